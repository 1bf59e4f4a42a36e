// Byte-level building blocks for the frame builders: address parsing, checksums, payloads.

export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`'${text}' is not a MAC address; use six hex bytes like 02:00:00:00:00:01`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const v = parseInt(parts[i]!, 16);
    if (!(v >= 0 && v <= 255)) throw new Error(`'${text}' is not a MAC address; byte ${i + 1} is not hex`);
    out[i] = v;
  }
  return out;
}

export function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4) throw new Error(`'${text}' is not an IPv4 address`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const v = Number(parts[i]);
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new Error(`'${text}' is not an IPv4 address`);
    out[i] = v;
  }
  return out;
}

export function parseIpv6(text: string): Uint8Array {
  let head = text;
  let tail = '';
  const dbl = text.indexOf('::');
  if (dbl >= 0) {
    head = text.slice(0, dbl);
    tail = text.slice(dbl + 2);
  }
  const words = (s: string): number[] => {
    if (s === '') return [];
    const out: number[] = [];
    for (const p of s.split(':')) {
      if (p.includes('.')) {
        const v4 = parseIpv4(p);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      const v = parseInt(p, 16);
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) throw new Error(`'${text}' is not an IPv6 address`);
      out.push(v);
    }
    return out;
  };
  const h = words(head);
  const t = words(tail);
  const fill = 8 - h.length - t.length;
  if (fill < 0 || (dbl < 0 && fill !== 0)) throw new Error(`'${text}' is not an IPv6 address`);
  const all = [...h, ...new Array<number>(fill).fill(0), ...t];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i]! >> 8;
    out[2 * i + 1] = all[i]! & 0xff;
  }
  return out;
}

/** Address bytes: 4 for IPv4, 16 for IPv6 (chosen by the presence of ':'). */
export function parseIp(text: string): Uint8Array {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/** One's-complement sum of 16-bit words, not yet folded or inverted. */
export function onesSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function payloadBytes(payload: Uint8Array | number | undefined): Uint8Array {
  if (payload === undefined) return new Uint8Array(0);
  if (typeof payload === 'number') return new Uint8Array(payload);
  return payload;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function writeU16(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >> 8) & 0xff;
  buf[off + 1] = v & 0xff;
}

export function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 24) & 0xff;
  buf[off + 1] = (v >>> 16) & 0xff;
  buf[off + 2] = (v >>> 8) & 0xff;
  buf[off + 3] = v & 0xff;
}

export function readU16(buf: Uint8Array, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}
