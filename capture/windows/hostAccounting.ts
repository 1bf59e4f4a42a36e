// Per-packet accounting of the local hosts and remote endpoints a window ranks. A flow remembers,
// per window, which host entries its ends map to, so most packets need no map lookup.
import { IP_PROTO, NETWORK, type DecodedPacket } from '../decode/decodedPacket.ts';
import { F_HOST_INIT, F_HOST_RESP, F_REMOTE, F_SENT_TO, F_STRIDE, type FlowAccounting } from './flowAccounting.ts';
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

/**
 * Counts packet `p` (direction code `pdir`, flow `flow`) for its local host(s) and remote endpoint.
 * `firstInDirection`: the flow's first packet this way in this window (distinct sets need only that).
 * `seq`: the packet's sequence number in the capture (orders the entries it creates).
 */
export function hostAccountPacket(
  acc: WindowAccumulator, p: DecodedPacket, pdir: number, fa: FlowAccounting, flow: number, limits: WindowLimits,
  fromInitiator: boolean, firstInDirection: boolean, seq: number,
): void {
  const len = p.wireLen;
  const tcp = p.proto === IP_PROTO.TCP && p.hasPorts;
  const newlyActive = fa.newlyActive;
  const serverPort = fa.serverPort(flow);
  let sender = -1;
  if (pdir === DIR_OUTBOUND || pdir === DIR_INTERNAL) {
    const at = flow * F_STRIDE + (fromInitiator ? F_HOST_INIT : F_HOST_RESP);
    let i = fa.f[at]!;
    if (i < 0) i = fa.f[at] = localHostIndex(acc, fa.srcKey, p, p.src, limits.hosts, 2 * seq);
    sender = i;
    if (i >= 0) {
      const h = acc.hostList[i]!;
      h.bytesOut += len;
      h.packetsOut++;
      if (firstInDirection) acc.addresses.addPeer(fa.dstKey, i, h);
      if (tcp && (p.tcpFlags & 0x12) === 0x02) h.tcpSyn++;
      if (p.dns && !p.dnsResponse) h.dnsQueries++;
      if (newlyActive) countFlowForHost(h, fromInitiator, fa.justStarted, fa.synPending(flow), serverPort);
    }
  }
  if (pdir === DIR_INBOUND || pdir === DIR_INTERNAL) {
    const at = flow * F_STRIDE + (fromInitiator ? F_HOST_RESP : F_HOST_INIT);
    let i = fa.f[at]!;
    if (i < 0) i = fa.f[at] = localHostIndex(acc, fa.dstKey, p, p.dst, limits.hosts, 2 * seq + 1);
    if (i >= 0) {
      const h = acc.hostList[i]!;
      h.bytesIn += len;
      h.packetsIn++;
      if (firstInDirection) acc.addresses.addPeer(fa.srcKey, i, h);
      if (tcp && (p.tcpFlags & 0x04) !== 0) h.tcpRstReceived++;
      if (p.dns && p.dnsResponse && p.dnsRcode === 3) h.dnsNxdomain++;
      if (newlyActive) countFlowForHost(h, !fromInitiator, fa.justStarted, fa.synPending(flow), serverPort);
    }
  }
  if (pdir === DIR_OUTBOUND || pdir === DIR_INBOUND) {
    const out = pdir === DIR_OUTBOUND;
    const at = flow * F_STRIDE + F_REMOTE;
    let i = fa.f[at]!;
    if (i < 0) {
      i = fa.f[at] = out
        ? remoteIndex(acc, fa.dstKey, p, p.dst, limits.remotes, seq)
        : remoteIndex(acc, fa.srcKey, p, p.src, limits.remotes, seq);
    }
    if (i >= 0) {
      const r = acc.remoteList[i]!;
      if (out) r.bytesOut += len;
      else r.bytesIn += len;
      r.packets++;
      if (newlyActive) r.flows++;
      if (firstInDirection) r.addLocal(out ? fa.srcKey : fa.dstKey, limits.distinct);
      r.voteForPort(serverPort, len);
    }
    if (out && sender >= 0) {
      const h = acc.hostList[sender]!;
      const at = flow * F_STRIDE + F_SENT_TO;
      let sent = fa.f[at]!;
      if (sent < 0) sent = fa.f[at] = h.remoteEntry(fa.dstKey, p.network === NETWORK.IPV6, p.dst, seq);
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
