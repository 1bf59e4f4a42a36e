// DNS message header, first question and A/AAAA answers, read without trusting any length or pointer in it.
import { MAX_DNS_ANSWERS, type DecodedPacket } from './decodedPacket.ts';

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
 * Parses the DNS message in data[start, end): QR bit, rcode, first question name and type, and
 * for a successful response the addresses of its A/AAAA answers (passive DNS).
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
  const answers = (data[start + 6]! << 8) | data[start + 7]!;
  if (p.dnsResponse && p.dnsRcode === 0 && answers > 0) readAddressAnswers(data, afterName + 4, end, questions - 1, answers, p);
  return DNS_PARSED;
}

/** Past a (possibly compressed) name at `off`: the offset after it, or -1 when it runs past `end`. */
function skipName(data: Uint8Array, off: number, end: number): number {
  for (let labels = 0; labels < 128; labels++) {
    if (off >= end) return -1;
    const len = data[off]!;
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= end ? off + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    off += 1 + len;
  }
  return -1;
}

/**
 * Reads the A (class IN, 4 bytes) and AAAA (16 bytes) records of the answer section into
 * p.dnsAnswerWords. A damaged answer section ends the reading quietly: the header and question
 * were already counted, and names are a best-effort annotation.
 */
function readAddressAnswers(data: Uint8Array, off: number, end: number, moreQuestions: number, answers: number, p: DecodedPacket): void {
  for (let q = 0; q < moreQuestions && q < 16; q++) {
    off = skipName(data, off, end);
    if (off < 0) return;
    off += 4;
  }
  const words = p.dnsAnswerWords;
  for (let i = 0; i < answers && i < 64 && p.dnsAnswers < MAX_DNS_ANSWERS; i++) {
    off = skipName(data, off, end);
    if (off < 0 || off + 10 > end) return;
    const type = (data[off]! << 8) | data[off + 1]!;
    const cls = (data[off + 2]! << 8) | data[off + 3]!;
    const rdlen = (data[off + 8]! << 8) | data[off + 9]!;
    off += 10;
    if (off + rdlen > end) return;
    if (cls === 1 && ((type === 1 && rdlen === 4) || (type === 28 && rdlen === 16))) {
      const n = p.dnsAnswers++;
      const v6 = type === 28;
      p.dnsAnswerV6[n] = v6 ? 1 : 0;
      for (let w = 0; w < 4; w++) {
        const o = off + w * 4;
        words[n * 4 + w] = !v6 && w > 0 ? 0 : ((data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!) >>> 0;
      }
    }
    off += rdlen;
  }
}
