// Which addresses are local, and the direction of a packet or flow that follows from it.
import type { Direction } from '../windowStats.ts';

export const DEFAULT_LOCAL_NETS: readonly string[] = [
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '127.0.0.0/8',
  'fc00::/7', 'fe80::/10', '::1/128',
];

/** Direction codes, indexes into DIRECTIONS: outbound, inbound, internal, other. */
export const DIR_OUTBOUND = 0;
export const DIR_INBOUND = 1;
export const DIR_INTERNAL = 2;
export const DIR_OTHER = 3;

/** IPv4 text → its 32-bit value, or null. */
export function ipv4Words(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return null;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** IPv6 text → four big-endian 32-bit words, or null. */
export function parseIpv6Words(text: string): Uint32Array | null {
  const dbl = text.indexOf('::');
  if (dbl !== text.lastIndexOf('::')) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = ipv4Words(part);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        out.push(parseInt(part, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(dbl >= 0 ? text.slice(0, dbl) : text);
  const tail = groups(dbl >= 0 ? text.slice(dbl + 2) : '');
  if (!head || !tail) return null;
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (dbl < 0 && fill !== 0) || (dbl >= 0 && fill < 1)) return null;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((all[2 * i]! << 16) | all[2 * i + 1]!) >>> 0;
  return w;
}

function prefixMask(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

export class LocalNetworks {
  private readonly v4Net: Uint32Array;
  private readonly v4Mask: Uint32Array;
  /** by first octet: 0 no local network starts with it, 1 all of its addresses are local, 2 look in the list */
  private readonly v4ByOctet = new Uint8Array(256);
  /** per IPv6 network: 4 words of network, 4 words of mask */
  private readonly v6: Uint32Array;
  readonly cidrs: readonly string[];

  constructor(cidrs: readonly string[] = DEFAULT_LOCAL_NETS) {
    const v4Net: number[] = [];
    const v4Mask: number[] = [];
    const v6: number[] = [];
    for (const raw of cidrs) {
      const cidr = raw.trim();
      const [addr, bitsText] = cidr.split('/');
      if (!addr) throw new Error(`local network '${raw}' is empty; use CIDR notation like 10.0.0.0/8 or fd00::/8`);
      const v4 = ipv4Words(addr);
      const bits = bitsText === undefined ? (v4 !== null ? 32 : 128) : Number(bitsText);
      if (v4 !== null) {
        if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`local network '${raw}': prefix length must be 0–32`);
        const mask = prefixMask(bits);
        v4Net.push((v4 & mask) >>> 0);
        v4Mask.push(mask);
        continue;
      }
      const w = parseIpv6Words(addr);
      if (w === null) throw new Error(`local network '${raw}' is not a CIDR; use e.g. 10.0.0.0/8 or fd00::/8`);
      if (!Number.isInteger(bits) || bits < 0 || bits > 128) throw new Error(`local network '${raw}': prefix length must be 0–128`);
      const masks = [0, 1, 2, 3].map((i) => prefixMask(bits - 32 * i));
      v6.push(...masks.map((m, i) => (w[i]! & m) >>> 0), ...masks);
    }
    this.v4Net = Uint32Array.from(v4Net);
    this.v4Mask = Uint32Array.from(v4Mask);
    for (let o = 0; o < 256; o++) {
      const lo = (o << 24) >>> 0;
      for (let i = 0; i < v4Net.length; i++) {
        const mask = v4Mask[i]!;
        if ((mask & 0x00ffffff) === 0) {
          if (((lo & mask) >>> 0) === v4Net[i]) this.v4ByOctet[o] = 1;
        } else if (v4Net[i]! >>> 24 === o && this.v4ByOctet[o] === 0) {
          this.v4ByOctet[o] = 2;
        }
      }
    }
    this.v6 = Uint32Array.from(v6);
    this.cidrs = [...cidrs];
  }

  isLocalV4(addr: number): boolean {
    const byOctet = this.v4ByOctet[addr >>> 24]!;
    if (byOctet !== 2) return byOctet === 1;
    const n = this.v4Net;
    const m = this.v4Mask;
    for (let i = 0; i < n.length; i++) if (((addr & m[i]!) >>> 0) === n[i]) return true;
    return false;
  }

  isLocalV6(w: Uint32Array): boolean {
    const t = this.v6;
    for (let b = 0; b < t.length; b += 8) {
      if (((w[0]! & t[b + 4]!) >>> 0) === t[b] && ((w[1]! & t[b + 5]!) >>> 0) === t[b + 1]
        && ((w[2]! & t[b + 6]!) >>> 0) === t[b + 2] && ((w[3]! & t[b + 7]!) >>> 0) === t[b + 3]) return true;
    }
    return false;
  }

  /** Direction code of traffic from `src` to `dst` (IPv4 in word 0 when `v6` is false). */
  direction(v6: boolean, src: Uint32Array, dst: Uint32Array): number {
    const sl = v6 ? this.isLocalV6(src) : this.isLocalV4(src[0]!);
    const dl = v6 ? this.isLocalV6(dst) : this.isLocalV4(dst[0]!);
    if (sl) return dl ? DIR_INTERNAL : DIR_OUTBOUND;
    return dl ? DIR_INBOUND : DIR_OTHER;
  }
}
