// The flows of one evidence interval: packets of the subject summed per bidirectional 5-tuple,
// and the top flows of the peak window as the evidence record lists them.
import { addressKey, addressText } from '../structures/addressText.ts';
import { communityId } from '../flows/communityId.ts';
import { IP_PROTO, NETWORK, type DecodedPacket } from '../decode/decodedPacket.ts';
import type { PassiveDnsNames } from './passiveDnsNames.ts';
import type { EvidenceFlow } from './evidenceRecord.ts';

interface FlowSums {
  protoNumber: number;
  orig: string;
  origPort: number;
  resp: string;
  respPort: number;
  /** address key and port of orig, to tell the direction of later packets */
  origKey: number;
  origBytes: number;
  respBytes: number;
  origPackets: number;
  respPackets: number;
  first: number;
  last: number;
}

function protoName(n: number): string {
  return n === IP_PROTO.TCP ? 'tcp' : n === IP_PROTO.UDP ? 'udp' : n === IP_PROTO.ICMP || n === IP_PROTO.ICMPV6 ? 'icmp' : 'other';
}

export const EVIDENCE_FLOW_LIMIT = 50;
/** flows summed per evidence interval: a long scan's evidence stays bounded in memory */
export const EVIDENCE_FLOWS_TRACKED = 10_000;

export class EvidenceFlows {
  private readonly flows = new Map<string, FlowSums>();
  /** packets of flows beyond `maxTracked` in one interval: not summed */
  untrackedPackets = 0;

  constructor(private peakFrom: number, private peakTo: number, private readonly maxTracked = EVIDENCE_FLOWS_TRACKED) {}

  /** The anomaly's peak moved to another window. */
  movePeak(from: number, to: number): void {
    this.peakFrom = from;
    this.peakTo = to;
  }

  add(p: DecodedPacket): void {
    if (p.network !== NETWORK.IPV4 && p.network !== NETWORK.IPV6) return;
    const v6 = p.network === NETWORK.IPV6;
    const icmp = p.proto === IP_PROTO.ICMP || p.proto === IP_PROTO.ICMPV6;
    const sport = p.hasPorts ? p.sport : icmp ? p.icmpType : 0;
    const dport = p.hasPorts ? p.dport : icmp ? p.icmpCode : 0;
    const sk = addressKey(v6, p.src);
    const dk = addressKey(v6, p.dst);
    // ICMP messages of both directions share a flow, as the flow table keeps them
    const forward = sk < dk || (sk === dk && sport <= dport);
    const key = icmp
      ? `${p.proto}|${Math.min(sk, dk)}|${Math.max(sk, dk)}`
      : forward ? `${p.proto}|${sk}|${sport}|${dk}|${dport}` : `${p.proto}|${dk}|${dport}|${sk}|${sport}`;
    let f = this.flows.get(key);
    if (f === undefined) {
      if (this.flows.size >= this.maxTracked) {
        this.untrackedPackets++;
        return;
      }
      // a SYN-ACK seen first: its receiver opened the flow
      const reply = p.proto === IP_PROTO.TCP && (p.tcpFlags & 0x12) === 0x12;
      const origIsSrc = !reply;
      f = {
        protoNumber: p.proto,
        orig: addressText(v6, origIsSrc ? p.src : p.dst), origPort: origIsSrc ? sport : dport,
        resp: addressText(v6, origIsSrc ? p.dst : p.src), respPort: origIsSrc ? dport : sport,
        origKey: origIsSrc ? sk : dk,
        origBytes: 0, respBytes: 0, origPackets: 0, respPackets: 0, first: p.tsMs, last: p.tsMs,
      };
      this.flows.set(key, f);
    }
    if (sk === f.origKey && (icmp || sport === f.origPort)) {
      f.origBytes += p.wireLen;
      f.origPackets++;
    } else {
      f.respBytes += p.wireLen;
      f.respPackets++;
    }
    if (p.tsMs < f.first) f.first = p.tsMs;
    if (p.tsMs > f.last) f.last = p.tsMs;
  }

  /** The flows whose first-to-last packet span overlaps the peak window, most bytes first (at most `limit`), and how many more there were. */
  top(names: PassiveDnsNames | null, limit = EVIDENCE_FLOW_LIMIT): { flows: EvidenceFlow[]; dropped: number } {
    const peak = [...this.flows.values()].filter((f) => f.first < this.peakTo && f.last >= this.peakFrom);
    peak.sort((x, y) => y.origBytes + y.respBytes - (x.origBytes + x.respBytes) || x.first - y.first);
    const flows = peak.slice(0, limit).map((f): EvidenceFlow => {
      const out: EvidenceFlow = {
        proto: protoName(f.protoNumber), protoNumber: f.protoNumber,
        orig: f.orig, origPort: f.origPort, resp: f.resp, respPort: f.respPort,
        origBytes: f.origBytes, respBytes: f.respBytes, origPackets: f.origPackets, respPackets: f.respPackets,
        first: f.first, last: f.last, durationMs: f.last - f.first,
        communityId: communityId({ proto: f.protoNumber, src: f.orig, dst: f.resp, sport: f.origPort, dport: f.respPort }),
      };
      const origName = names?.nameOf(f.orig);
      const respName = names?.nameOf(f.resp);
      if (origName !== undefined) out.origName = origName;
      if (respName !== undefined) out.respName = respName;
      return out;
    });
    return { flows, dropped: peak.length - flows.length };
  }
}
