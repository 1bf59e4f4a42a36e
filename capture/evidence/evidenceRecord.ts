// The evidence record: what the sensor kept of the packets behind one anomaly. Written as JSON
// beside the pcap (<evidence dir>/<name>.json) and served by the server; documented in the README
// ("Evidence record"). Addresses and names come from packets: untrusted text.

export const EVIDENCE_VERSION = 1;

/** One flow of the subject, Zeek conn.log style: orig is the side that opened it (the SYN's sender, else the first sender seen). */
export interface EvidenceFlow {
  /** `tcp`, `udp`, `icmp` (ICMP and ICMPv6) or `other` */
  proto: string;
  /** IP protocol number */
  protoNumber: number;
  orig: string;
  /** 0 without ports; ICMP: the type */
  origPort: number;
  resp: string;
  /** 0 without ports; ICMP: the code */
  respPort: number;
  /** on-the-wire bytes and packets each way, within the evidence interval */
  origBytes: number;
  respBytes: number;
  origPackets: number;
  respPackets: number;
  /** first and last packet (ms since the epoch, packet time) within the interval */
  first: number;
  last: number;
  durationMs: number;
  /** passive DNS names of either end, when DNS answers on the wire named them */
  origName?: string;
  respName?: string;
  /** Community ID v1 (seed 0) of the flow, to find it in Zeek, Suricata, Arkime or Wireshark */
  communityId: string | null;
}

export interface EvidenceRecord {
  version: typeof EVIDENCE_VERSION;
  anomalyId: string;
  sensor: string;
  /** `recording` while the anomaly is open or its after-minute has not passed; `complete` once the pcap is final */
  state: 'recording' | 'complete';
  /** the addresses whose packets are kept: the subject's local host and, if set, its remote (a packet with either as an end) */
  hosts: string[];
  /** the interval (ms, packet time): from a minute before the anomaly's start to a minute after its end, or to the
   *  last packet seen while it was still open when that is later; tentative (end + 60 s so far) while recording */
  from: number;
  to: number;
  /** the pcap's file name within the evidence directory; present once complete */
  file?: string;
  /** packets and bytes (pcap file size) written */
  packets: number;
  fileBytes: number;
  /** first and last packet written (ms), when any */
  firstPacket?: number;
  lastPacket?: number;
  /** part of the interval was older than the ring held when the anomaly was reported (ms of the oldest packet the ring had then) */
  ringStartedAt?: number;
  /** packets of the interval the ring dropped before they could be written (the ring was too small for the traffic) */
  gaps: number;
  /** the capture ended before the after-minute passed */
  endedEarly: boolean;
  /** the pcap reached the evidence size limit; later packets were not written */
  truncated: boolean;
  /** the peak window (ms) whose flows are listed */
  peakFrom: number;
  peakTo: number;
  /** flows of the subject whose first-to-last packet span overlaps the peak window, top 50 by bytes (their bytes over the whole interval) */
  flows: EvidenceFlow[];
  /** further flows active in the peak window, not listed */
  flowsDropped: number;
  /** packets (in the pcap) of flows beyond the 10,000 summed per interval: their flows are not listed */
  flowsUntrackedPackets: number;
  /** wall clock (ms) of the last update of this record */
  updatedAt: number;
}
