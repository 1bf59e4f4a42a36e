// Community ID v1 (corelight/community-id-spec): the flow hash Zeek, Suricata, Arkime and
// Wireshark print, so a flow here can be found in their records by one string. Computed for the
// few flows an anomaly lists, never per packet.
import { createHash } from 'node:crypto';
import { ipv4Words, parseIpv6Words } from './localNetworks.ts';

export interface FlowTuple {
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, …) */
  proto: number;
  src: string;
  dst: string;
  /** TCP/UDP/SCTP ports; for ICMP and ICMPv6 the message type */
  sport?: number;
  /** TCP/UDP/SCTP ports; for ICMP and ICMPv6 the message code */
  dport?: number;
}

const ICMP = 1;
const ICMPV6 = 58;
const PORTED = new Set([6, 17, 132]);

// request ↔ reply pairs, as Zeek maps them: the type of the other direction stands in for the
// destination port, so both directions hash alike; other messages are one-way (code as port)
const ICMP_PAIRS = new Map([[8, 0], [0, 8], [13, 14], [14, 13], [15, 16], [16, 15], [10, 9], [9, 10], [17, 18], [18, 17]]);
const ICMPV6_PAIRS = new Map([
  [128, 129], [129, 128], [130, 131], [131, 130], [133, 134], [134, 133], [135, 136], [136, 135],
  [139, 140], [140, 139], [144, 145], [145, 144],
]);

function addressBytes(text: string): Buffer | null {
  const v4 = ipv4Words(text);
  if (v4 !== null) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v4, 0);
    return b;
  }
  const v6 = parseIpv6Words(text);
  if (v6 === null) return null;
  const b = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) b.writeUInt32BE(v6[i]!, i * 4);
  return b;
}

/**
 * The Community ID v1 string ("1:" + base64 of a SHA-1) of a flow, the same for both directions;
 * null when an address is not an IPv4/IPv6 address or the two are of different families.
 */
export function communityId(t: FlowTuple, seed = 0): string | null {
  let src = addressBytes(t.src);
  let dst = addressBytes(t.dst);
  if (src === null || dst === null || src.length !== dst.length) return null;
  let sport = t.sport ?? 0;
  let dport = t.dport ?? 0;
  let oneWay = false;
  const hasPorts = PORTED.has(t.proto) || t.proto === ICMP || t.proto === ICMPV6;
  if (t.proto === ICMP || t.proto === ICMPV6) {
    const pair = (t.proto === ICMP ? ICMP_PAIRS : ICMPV6_PAIRS).get(sport);
    if (pair !== undefined) dport = pair;
    else oneWay = true;
  }
  const order = Buffer.compare(src, dst);
  if (!oneWay && (order > 0 || (order === 0 && sport > dport))) {
    [src, dst] = [dst, src];
    [sport, dport] = [dport, sport];
  }
  const head = Buffer.from([(seed >>> 8) & 0xff, seed & 0xff]);
  const proto = Buffer.from([t.proto & 0xff, 0]);
  const h = createHash('sha1').update(head).update(src).update(dst).update(proto);
  if (hasPorts) h.update(Buffer.from([sport >>> 8, sport & 0xff, dport >>> 8, dport & 0xff]));
  return `1:${h.digest('base64')}`;
}
