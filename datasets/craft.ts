// Frame builders: Ethernet frames carrying TCP, UDP, ICMP/ICMPv6 or ARP, with correct lengths and
// checksums, for generated captures and tests. IPv4 or IPv6 is chosen from the address text.
import {
  concatBytes, foldChecksum, onesSum, parseIp, parseMac, payloadBytes, writeU16, writeU32,
} from './craftBytes.ts';

export { dnsQuery, dnsResponse } from './craftDns.ts';
export { ipv4Fragments, ipv6WithExtensionHeaders } from './craftIpExtras.ts';
export { relink, LINKTYPE } from './craftLink.ts';

export const TCP = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32 } as const;

export interface FrameCommon {
  src: string;
  dst: string;
  ttl?: number;
  /** 802.1Q tags, outer → inner; with more than one tag the outer uses 0x88a8 (QinQ) */
  vlan?: number[];
  srcMac?: string;
  dstMac?: string;
  ipId?: number;
}

const DEFAULT_SRC_MAC = '02:00:00:00:00:01';
const DEFAULT_DST_MAC = '02:00:00:00:00:02';
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMP = 1;
const PROTO_ICMPV6 = 58;

export function ethernetHeader(dstMac: string, srcMac: string, etherType: number, vlan: number[] = []): Uint8Array {
  const out = new Uint8Array(14 + 4 * vlan.length);
  out.set(parseMac(dstMac), 0);
  out.set(parseMac(srcMac), 6);
  let off = 12;
  for (let i = 0; i < vlan.length; i++) {
    writeU16(out, off, i === 0 && vlan.length > 1 ? 0x88a8 : 0x8100);
    writeU16(out, off + 2, vlan[i]! & 0x0fff);
    off += 4;
  }
  writeU16(out, off, etherType);
  return out;
}

function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, proto: number, length: number): number {
  let sum = onesSum(src, 0, src.length) + onesSum(dst, 0, dst.length);
  sum += proto + (length & 0xffff) + Math.floor(length / 0x10000);
  return sum;
}

/** Wraps an L4 segment (checksum field at `checksumAt`, filled here) in IP and Ethernet. */
function ipFrame(o: FrameCommon, proto: number, segment: Uint8Array, checksumAt: number): Uint8Array {
  const src = parseIp(o.src);
  const dst = parseIp(o.dst);
  if (src.length !== dst.length) throw new Error(`source ${o.src} and destination ${o.dst} are not the same IP version`);
  const v6 = src.length === 16;
  const ipProto = proto === PROTO_ICMP && v6 ? PROTO_ICMPV6 : proto;
  if (checksumAt >= 0) {
    const usePseudo = ipProto !== PROTO_ICMP;
    const initial = usePseudo ? pseudoHeaderSum(src, dst, ipProto, segment.length) : 0;
    let c = foldChecksum(onesSum(segment, 0, segment.length, initial));
    if (c === 0 && ipProto === PROTO_UDP) c = 0xffff;
    writeU16(segment, checksumAt, c);
  }
  const ip = v6 ? new Uint8Array(40) : new Uint8Array(20);
  if (v6) {
    ip[0] = 0x60;
    writeU16(ip, 4, segment.length);
    ip[6] = ipProto;
    ip[7] = o.ttl ?? 64;
    ip.set(src, 8);
    ip.set(dst, 24);
  } else {
    ip[0] = 0x45;
    writeU16(ip, 2, 20 + segment.length);
    writeU16(ip, 4, o.ipId ?? 0);
    ip[8] = o.ttl ?? 64;
    ip[9] = ipProto;
    ip.set(src, 12);
    ip.set(dst, 16);
    writeU16(ip, 10, foldChecksum(onesSum(ip, 0, 20)));
  }
  const eth = ethernetHeader(o.dstMac ?? DEFAULT_DST_MAC, o.srcMac ?? DEFAULT_SRC_MAC, v6 ? 0x86dd : 0x0800, o.vlan);
  return concatBytes([eth, ip, segment]);
}

export function tcpFrame(o: FrameCommon & {
  sport: number; dport: number; flags: number; seq?: number; ack?: number; payload?: Uint8Array | number;
}): Uint8Array {
  const payload = payloadBytes(o.payload);
  const seg = new Uint8Array(20 + payload.length);
  writeU16(seg, 0, o.sport);
  writeU16(seg, 2, o.dport);
  writeU32(seg, 4, o.seq ?? 0);
  writeU32(seg, 8, o.ack ?? 0);
  seg[12] = 5 << 4;
  seg[13] = o.flags & 0xff;
  writeU16(seg, 14, 65535);
  seg.set(payload, 20);
  return ipFrame(o, PROTO_TCP, seg, 16);
}

export function udpFrame(o: FrameCommon & { sport: number; dport: number; payload?: Uint8Array | number }): Uint8Array {
  const payload = payloadBytes(o.payload);
  const seg = new Uint8Array(8 + payload.length);
  writeU16(seg, 0, o.sport);
  writeU16(seg, 2, o.dport);
  writeU16(seg, 4, seg.length);
  seg.set(payload, 8);
  return ipFrame(o, PROTO_UDP, seg, 6);
}

/** ICMP for IPv4 addresses, ICMPv6 for IPv6 addresses (type/code taken as given). */
export function icmpFrame(o: FrameCommon & { type: number; code: number; payload?: Uint8Array | number }): Uint8Array {
  const payload = payloadBytes(o.payload);
  const seg = new Uint8Array(8 + payload.length);
  seg[0] = o.type;
  seg[1] = o.code;
  seg.set(payload, 8);
  return ipFrame(o, PROTO_ICMP, seg, 2);
}

export function arpFrame(o: { op: 1 | 2; senderMac: string; senderIp: string; targetMac: string; targetIp: string }): Uint8Array {
  const arp = new Uint8Array(28);
  writeU16(arp, 0, 1);
  writeU16(arp, 2, 0x0800);
  arp[4] = 6;
  arp[5] = 4;
  writeU16(arp, 6, o.op);
  arp.set(parseMac(o.senderMac), 8);
  arp.set(parseIp(o.senderIp), 14);
  arp.set(parseMac(o.targetMac), 18);
  arp.set(parseIp(o.targetIp), 24);
  const dstMac = o.op === 1 ? 'ff:ff:ff:ff:ff:ff' : o.targetMac;
  return concatBytes([ethernetHeader(dstMac, o.senderMac, 0x0806), arp]);
}
