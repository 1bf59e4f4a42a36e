// Per-packet accounting of the local hosts and remote endpoints a window ranks. A flow remembers,
// per window, which host entries its ends map to, so most packets need no map lookup.
import { IP_PROTO, NETWORK, type DecodedPacket } from '../decode/decodedPacket.ts';
import { ENTRY_INITIATOR_HOST, ENTRY_REMOTE, ENTRY_RESPONDER_HOST, ENTRY_SENT_TO, type FlowAccounting } from './flowAccounting.ts';
import { DIR_INBOUND, DIR_INTERNAL, DIR_OUTBOUND } from '../flows/localNetworks.ts';
import type { LocalHostAccumulator } from './endpointAccumulators.ts';
import type { WindowAccumulator, WindowLimits } from './windowAccumulator.ts';

/**
 * Index of the host in acc.hostList, created on first sight; -1 when the window tracks no more hosts.
 * `firstSeq`: where the packet puts it in the window's order of first sight (see LocalHostAccumulator.firstSeq).
 */
function localHostIndex(acc: WindowAccumulator, key: number, p: DecodedPacket, addr: Uint32Array, limit: number, firstSeq: number): number {
  const known = acc.localHosts.get(key);
  if (known >= 0) return known;
  if (acc.hostList.length >= limit) {
    acc.hostsOverflowPackets++;
    return -1;
  }
  const i = acc.addLocalHost(p.network === NETWORK.IPV6, addr);
  acc.hostList[i]!.firstSeq = firstSeq;
  acc.localHosts.insert(key, i);
  return i;
}

/** Index of the remote endpoint `key` in acc.remoteList, created on first sight; -1 when the window tracks no more endpoints. */
function remoteIndex(acc: WindowAccumulator, key: number, p: DecodedPacket, addr: Uint32Array, limit: number, seq: number): number {
  const addrs = acc.addresses;
  const slot = addrs.slot(key);
  const known = addrs.remote(slot);
  if (known !== -2) return known;
  const i = acc.remoteList.length >= limit ? -1 : acc.addRemote(p.network === NETWORK.IPV6, addr);
  if (i >= 0) acc.remoteList[i]!.firstSeq = seq;
  addrs.setRemote(slot, i);
  return i;
}

/** What the window's accounting found out about a packet, for the host and endpoint accounting. */
export interface CountedPacket {
  /** its flow's index in the flow table */
  flow: number;
  /** its sequence number in the capture (orders the entries it creates) */
  seq: number;
  /** direction code of the packet */
  dir: number;
  /** sent by its flow's initiator */
  fromInitiator: boolean;
  /** the flow's first packet */
  started: boolean;
  /** the flow's first packet in this window */
  newlyActive: boolean;
  /** the flow's first packet this way in this window (distinct sets need only that) */
  firstInDirection: boolean;
  /** address keys of the source and the destination */
  srcKey: number;
  dstKey: number;
}

/** Counts packet `p` for its local host(s) and remote endpoint in window `acc`. */
export function hostAccountPacket(acc: WindowAccumulator, p: DecodedPacket, c: CountedPacket, fa: FlowAccounting, limits: WindowLimits): void {
  const len = p.wireLen;
  const tcp = p.proto === IP_PROTO.TCP && p.hasPorts;
  const { flow, seq, dir: pdir, fromInitiator, newlyActive, firstInDirection, srcKey, dstKey } = c;
  const serverPort = fa.serverPort(flow);
  let sender = -1;
  if (pdir === DIR_OUTBOUND || pdir === DIR_INTERNAL) {
    const kind = fromInitiator ? ENTRY_INITIATOR_HOST : ENTRY_RESPONDER_HOST;
    let i = fa.entry(flow, kind);
    if (i < 0) i = fa.setEntry(flow, kind, localHostIndex(acc, srcKey, p, p.src, limits.hosts, 2 * seq));
    sender = i;
    if (i >= 0) {
      const h = acc.hostList[i]!;
      h.bytesOut += len;
      h.packetsOut++;
      if (firstInDirection) acc.addresses.addPeer(dstKey, i, h);
      if (tcp && (p.tcpFlags & 0x12) === 0x02) h.tcpSyn++;
      if (p.dns && !p.dnsResponse) h.dnsQueries++;
      if (newlyActive) countFlowForHost(h, fromInitiator, c.started, fa.synPending(flow), serverPort);
    }
  }
  if (pdir === DIR_INBOUND || pdir === DIR_INTERNAL) {
    const kind = fromInitiator ? ENTRY_RESPONDER_HOST : ENTRY_INITIATOR_HOST;
    let i = fa.entry(flow, kind);
    if (i < 0) i = fa.setEntry(flow, kind, localHostIndex(acc, dstKey, p, p.dst, limits.hosts, 2 * seq + 1));
    if (i >= 0) {
      const h = acc.hostList[i]!;
      h.bytesIn += len;
      h.packetsIn++;
      if (firstInDirection) acc.addresses.addPeer(srcKey, i, h);
      if (tcp && (p.tcpFlags & 0x04) !== 0) h.tcpRstReceived++;
      if (p.dns && p.dnsResponse && p.dnsRcode === 3) h.dnsNxdomain++;
      if (newlyActive) countFlowForHost(h, !fromInitiator, c.started, fa.synPending(flow), serverPort);
    }
  }
  if (pdir === DIR_OUTBOUND || pdir === DIR_INBOUND) {
    const out = pdir === DIR_OUTBOUND;
    let i = fa.entry(flow, ENTRY_REMOTE);
    if (i < 0) {
      i = fa.setEntry(flow, ENTRY_REMOTE, out
        ? remoteIndex(acc, dstKey, p, p.dst, limits.remotes, seq)
        : remoteIndex(acc, srcKey, p, p.src, limits.remotes, seq));
    }
    if (i >= 0) {
      const r = acc.remoteList[i]!;
      if (out) r.bytesOut += len;
      else r.bytesIn += len;
      r.packets++;
      if (newlyActive) r.flows++;
      if (firstInDirection) r.addLocal(out ? srcKey : dstKey, limits.distinct);
      r.voteForPort(serverPort, len);
    }
    if (out && sender >= 0) {
      const h = acc.hostList[sender]!;
      let sent = fa.entry(flow, ENTRY_SENT_TO);
      if (sent < 0) sent = fa.setEntry(flow, ENTRY_SENT_TO, h.remoteEntry(dstKey, p.network === NETWORK.IPV6, p.dst, seq));
      h.sentToRemote(sent, len);
    }
  }
}

function countFlowForHost(h: LocalHostAccumulator, isInitiator: boolean, started: boolean, synPending: boolean, serverPort: number): void {
  h.flows++;
  if (started) {
    h.flowsStarted++;
    if (isInitiator && synPending) h.tcpSynUnanswered++;
  }
  if (isInitiator) h.portSet.add(serverPort);
}
