// DNS message header and first question, read without trusting any length or pointer in it.
import type { DecodedPacket } from './decodedPacket.ts';

export const DNS_PARSED = 0;
/** the message ended early: fine when the capture or a fragment cut it, malformed otherwise */
export const DNS_TRUNCATED = 1;
export const DNS_MALFORMED = 2;

const MAX_NAME_CHARS = 255;
const MAX_POINTER_JUMPS = 16;

function escapeByte(b: number): string {
  return '\\x' + (b < 16 ? '0' : '') + b.toString(16);
}

/**
 * Parses the DNS message in data[start, end): QR bit, rcode, first question name and type.
 * Compression pointers must point strictly backwards, which makes loops impossible.
 */
export function decodeDnsMessage(data: Uint8Array, start: number, end: number, p: DecodedPacket): number {
  if (end - start < 12) return DNS_TRUNCATED;
  const flags = (data[start + 2]! << 8) | data[start + 3]!;
  const questions = (data[start + 4]! << 8) | data[start + 5]!;
  p.dns = true;
  p.dnsResponse = (flags & 0x8000) !== 0;
  p.dnsRcode = flags & 0x0f;
  if (questions === 0) return DNS_PARSED;
  let off = start + 12;
  let name = '';
  let jumps = 0;
  let afterName = -1;
  for (;;) {
    if (off >= end) return DNS_TRUNCATED;
    const len = data[off]!;
    if (len === 0) {
      if (afterName < 0) afterName = off + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (off + 1 >= end) return DNS_TRUNCATED;
      const target = start + (((len & 0x3f) << 8) | data[off + 1]!);
      if (target >= off || ++jumps > MAX_POINTER_JUMPS) return DNS_MALFORMED;
      if (afterName < 0) afterName = off + 2;
      off = target;
      continue;
    }
    if (kind !== 0) return DNS_MALFORMED;
    if (off + 1 + len > end) return DNS_TRUNCATED;
    if (name.length + len + 1 > MAX_NAME_CHARS) return DNS_MALFORMED;
    if (name.length > 0) name += '.';
    for (let i = off + 1; i <= off + len; i++) {
      let b = data[i]!;
      if (b >= 0x41 && b <= 0x5a) b += 0x20;
      name += b > 0x20 && b < 0x7f && b !== 0x2e && b !== 0x5c ? String.fromCharCode(b) : escapeByte(b);
    }
    off += 1 + len;
  }
  p.dnsName = name;
  if (afterName + 2 <= end) p.dnsQtype = (data[afterName]! << 8) | data[afterName + 1]!;
  else return DNS_TRUNCATED;
  return DNS_PARSED;
}
