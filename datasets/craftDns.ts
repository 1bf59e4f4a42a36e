// DNS messages (the UDP payload) for generated traffic: one question, optional A/AAAA answers.
import { concatBytes, parseIp, writeU16, writeU32 } from './craftBytes.ts';

function encodeName(name: string): Uint8Array {
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
  const parts: number[] = [];
  for (const label of labels) {
    const bytes = new TextEncoder().encode(label);
    if (bytes.length > 63) throw new Error(`DNS label '${label}' is longer than 63 bytes`);
    parts.push(bytes.length, ...bytes);
  }
  parts.push(0);
  return Uint8Array.from(parts);
}

function header(id: number, flags: number, questions: number, answers: number): Uint8Array {
  const h = new Uint8Array(12);
  writeU16(h, 0, id);
  writeU16(h, 2, flags);
  writeU16(h, 4, questions);
  writeU16(h, 6, answers);
  return h;
}

function question(name: string, qtype: number): Uint8Array {
  const q = new Uint8Array(4);
  writeU16(q, 0, qtype);
  writeU16(q, 2, 1);
  return concatBytes([encodeName(name), q]);
}

export function dnsQuery(o: { id: number; name: string; qtype?: number }): Uint8Array {
  return concatBytes([header(o.id, 0x0100, 1, 0), question(o.name, o.qtype ?? 1)]);
}

/** A response with the question echoed and each answer an A record (AAAA for IPv6 text) pointing back at the question name. */
export function dnsResponse(o: { id: number; name: string; qtype?: number; rcode?: number; answers?: string[] }): Uint8Array {
  const answers = o.answers ?? [];
  const parts = [header(o.id, 0x8180 | ((o.rcode ?? 0) & 0x0f), 1, answers.length), question(o.name, o.qtype ?? 1)];
  for (const a of answers) {
    const addr = parseIp(a);
    const rr = new Uint8Array(12 + addr.length);
    writeU16(rr, 0, 0xc00c);
    writeU16(rr, 2, addr.length === 16 ? 28 : 1);
    writeU16(rr, 4, 1);
    writeU32(rr, 6, 60);
    writeU16(rr, 10, addr.length);
    rr.set(addr, 12);
    parts.push(rr);
  }
  return concatBytes(parts);
}
