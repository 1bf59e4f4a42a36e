// Per-packet accounting of the local hosts and remote endpoints a window ranks.
import { IP_PROTO, NETWORK, type DecodedPacket } from './decode/decodedPacket.ts';
import type { FlowAccounting } from './flowAccounting.ts';
import { DIR_INBOUND, DIR_INTERNAL, DIR_OUTBOUND } from './localNetworks.ts';
import {
  LocalHostAccumulator, RemoteEndpointAccumulator, type WindowAccumulator, type WindowLimits,
} from './windowAccumulator.ts';

function localHost(acc: WindowAccumulator, key: number, p: DecodedPacket, addr: Uint32Array, limit: number): LocalHostAccumulator | null {
  let h = acc.localHosts.get(key);
  if (h) return h;
  if (acc.localHosts.size >= limit) return null;
  h = new LocalHostAccumulator(p.network === NETWORK.IPV6, addr, acc.takeSet(), acc.takeSet());
  acc.localHosts.set(key, h);
  return h;
}

function remoteEndpoint(acc: WindowAccumulator, key: number, p: DecodedPacket, addr: Uint32Array, limit: number): RemoteEndpointAccumulator | null {
  let r = acc.remotes.get(key);
  if (r) return r;
  if (acc.remotes.size >= limit) return null;
  r = new RemoteEndpointAccumulator(p.network === NETWORK.IPV6, addr);
  acc.remotes.set(key, r);
  return r;
}

/** Counts packet `p` (direction code `pdir`, flow `flow`) for its local host(s) and remote endpoint. */
export function hostAccountPacket(
  acc: WindowAccumulator, p: DecodedPacket, pdir: number, fa: FlowAccounting, flow: number, limits: WindowLimits,
): void {
  const len = p.wireLen;
  const tcp = p.proto === IP_PROTO.TCP && p.hasPorts;
  const flowStarted = fa.justStarted;
  const newlyActive = fa.newlyActive;
  const initKey = fa.initiatorKey[flow]!;
  const serverPort = fa.serverPort(flow);
  if (pdir === DIR_OUTBOUND || pdir === DIR_INTERNAL) {
    const h = localHost(acc, fa.srcKey, p, p.src, limits.hosts);
    if (h) {
      h.bytesOut += len;
      h.packetsOut++;
      h.peerSet.add(fa.dstKey);
      if (tcp && (p.tcpFlags & 0x12) === 0x02) h.tcpSyn++;
      if (p.dns && !p.dnsResponse) h.dnsQueries++;
      countFlowForHost(h, fa.srcKey === initKey, newlyActive, flowStarted, fa.synPending[flow] === 1, serverPort, limits);
    }
  }
  if (pdir === DIR_INBOUND || pdir === DIR_INTERNAL) {
    const h = localHost(acc, fa.dstKey, p, p.dst, limits.hosts);
    if (h) {
      h.bytesIn += len;
      h.packetsIn++;
      h.peerSet.add(fa.srcKey);
      if (tcp && (p.tcpFlags & 0x04) !== 0) h.tcpRstReceived++;
      if (p.dns && p.dnsResponse && p.dnsRcode === 3) h.dnsNxdomain++;
      countFlowForHost(h, fa.dstKey === initKey, newlyActive, flowStarted, fa.synPending[flow] === 1, serverPort, limits);
    }
  }
  if (pdir === DIR_OUTBOUND || pdir === DIR_INBOUND) {
    const out = pdir === DIR_OUTBOUND;
    const r = out ? remoteEndpoint(acc, fa.dstKey, p, p.dst, limits.remotes) : remoteEndpoint(acc, fa.srcKey, p, p.src, limits.remotes);
    if (r) {
      if (out) r.bytesOut += len;
      else r.bytesIn += len;
      r.packets++;
      if (newlyActive) r.flows++;
      r.addLocal(out ? fa.srcKey : fa.dstKey, limits.distinct);
      r.voteForPort(serverPort, len);
    }
  }
}

function countFlowForHost(
  h: LocalHostAccumulator, isInitiator: boolean, newlyActive: boolean, started: boolean, synPending: boolean,
  serverPort: number, limits: WindowLimits,
): void {
  if (!newlyActive) return;
  h.flows++;
  if (started) {
    h.flowsStarted++;
    if (isInitiator && synPending) h.tcpSynUnanswered++;
  }
  if (isInitiator) h.portSet.add(serverPort);
}
