// IPv4 fragmentation and IPv6 extension headers applied to frames built by craft.ts.
import { concatBytes, foldChecksum, onesSum, readU16, writeU16 } from './craftBytes.ts';

/** Offset of the EtherType field after any VLAN tags of an Ethernet frame. */
export function etherTypeOffset(frame: Uint8Array): number {
  let off = 12;
  while (off + 4 <= frame.length) {
    const t = readU16(frame, off);
    if (t !== 0x8100 && t !== 0x88a8 && t !== 0x9100) break;
    off += 4;
  }
  return off;
}

/**
 * Splits an Ethernet IPv4 frame into fragments carrying at most `fragmentPayloadBytes` of IP payload
 * each (rounded down to a multiple of 8, as the fragment offset field requires).
 */
export function ipv4Fragments(frame: Uint8Array, fragmentPayloadBytes: number): Uint8Array[] {
  const et = etherTypeOffset(frame);
  if (readU16(frame, et) !== 0x0800) throw new Error('ipv4Fragments: the frame does not carry IPv4');
  const ipOff = et + 2;
  const ihl = (frame[ipOff]! & 0x0f) * 4;
  const total = readU16(frame, ipOff + 2);
  const chunk = Math.floor(fragmentPayloadBytes / 8) * 8;
  if (chunk < 8) throw new Error('ipv4Fragments: fragmentPayloadBytes must be at least 8');
  const l2 = frame.subarray(0, ipOff);
  const header = frame.subarray(ipOff, ipOff + ihl);
  const payload = frame.subarray(ipOff + ihl, ipOff + total);
  const out: Uint8Array[] = [];
  for (let start = 0; start < payload.length; start += chunk) {
    const piece = payload.subarray(start, Math.min(payload.length, start + chunk));
    const more = start + chunk < payload.length;
    const h = Uint8Array.from(header);
    writeU16(h, 2, ihl + piece.length);
    writeU16(h, 6, (more ? 0x2000 : 0) | (start / 8));
    writeU16(h, 10, 0);
    writeU16(h, 10, foldChecksum(onesSum(h, 0, ihl)));
    out.push(concatBytes([l2, h, piece]));
  }
  return out;
}

const NEXT_HEADER = { 'hop-by-hop': 0, routing: 43, fragment: 44, destination: 60 } as const;
export type Ipv6ExtensionHeader = keyof typeof NEXT_HEADER;

/** Inserts 8-byte extension headers, in the order given, between the IPv6 header and its payload. */
export function ipv6WithExtensionHeaders(frame: Uint8Array, headers: Ipv6ExtensionHeader[]): Uint8Array {
  const et = etherTypeOffset(frame);
  if (readU16(frame, et) !== 0x86dd) throw new Error('ipv6WithExtensionHeaders: the frame does not carry IPv6');
  const ipOff = et + 2;
  const ip = Uint8Array.from(frame.subarray(ipOff, ipOff + 40));
  const upper = ip[6]!;
  const exts: Uint8Array[] = [];
  for (let i = 0; i < headers.length; i++) {
    const next = i + 1 < headers.length ? NEXT_HEADER[headers[i + 1]!] : upper;
    const h = new Uint8Array(8);
    h[0] = next;
    if (headers[i] === 'hop-by-hop' || headers[i] === 'destination') {
      h[2] = 1; // PadN option covering the remaining 4 bytes
      h[3] = 4;
    } else if (headers[i] === 'routing') {
      h[2] = 0; // type 0 with no addresses and no segments left: skipped by every receiver
    } else {
      writeU16(h, 4, 0x1234); // atomic fragment: offset 0, M = 0
    }
    exts.push(h);
  }
  if (headers.length > 0) ip[6] = NEXT_HEADER[headers[0]!];
  writeU16(ip, 4, readU16(ip, 4) + 8 * headers.length);
  return concatBytes([frame.subarray(0, ipOff), ip, ...exts, frame.subarray(ipOff + 40)]);
}
