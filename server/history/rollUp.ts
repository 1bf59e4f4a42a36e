// 1 min and 1 h views of 1 s windows for the in-memory history: counters summed, tops merged by host.
import { DIRECTIONS, SERVICES, emptyWindowStats, type WindowStats } from '../../capture/index.ts';

const DIRECTION_KEYS = Object.keys(emptyWindowStats('x', 0, 1).directions.outbound) as (keyof WindowStats['directions']['outbound'])[];

function mergeInto(acc: WindowStats, w: WindowStats): void {
  for (const d of DIRECTIONS) for (const k of DIRECTION_KEYS) acc.directions[d][k] += w.directions[d][k];
  for (const s of SERVICES) {
    acc.services[s].packets += w.services[s].packets;
    acc.services[s].bytes += w.services[s].bytes;
    acc.services[s].flows += w.services[s].flows;
  }
  const h = acc.health;
  h.packetsSeen += w.health.packetsSeen;
  h.packetsDropped += w.health.packetsDropped;
  h.packetsIfDropped += w.health.packetsIfDropped;
  h.decodeErrors += w.health.decodeErrors;
  h.flowEvictions += w.health.flowEvictions;
  h.flowsTracked = w.health.flowsTracked;
  h.storeDropped += w.health.storeDropped;
  h.lossRatio = h.packetsSeen + h.packetsDropped > 0 ? h.packetsDropped / (h.packetsSeen + h.packetsDropped) : 0;
  acc.dns.queries += w.dns.queries;
  acc.dns.responses += w.dns.responses;
  acc.dns.nxdomain += w.dns.nxdomain;
  acc.flowStartsDropped += w.flowStartsDropped + w.flowStarts.length;
  for (const host of w.topLocalHosts) {
    const held = acc.topLocalHosts.find((x) => x.host === host.host);
    if (!held) acc.topLocalHosts.push({ ...host });
    else {
      held.bytesOut += host.bytesOut; held.bytesIn += host.bytesIn;
      held.packetsOut += host.packetsOut; held.packetsIn += host.packetsIn;
      held.flows += host.flows; held.flowsStarted += host.flowsStarted;
      held.peers = Math.max(held.peers, host.peers); held.dstPorts = Math.max(held.dstPorts, host.dstPorts);
      held.tcpSyn += host.tcpSyn; held.tcpSynUnanswered += host.tcpSynUnanswered;
      held.tcpRstReceived += host.tcpRstReceived; held.dnsQueries += host.dnsQueries; held.dnsNxdomain += host.dnsNxdomain;
    }
  }
  for (const r of w.topRemoteEndpoints) {
    const held = acc.topRemoteEndpoints.find((x) => x.host === r.host);
    if (!held) acc.topRemoteEndpoints.push({ ...r });
    else {
      held.bytesOut += r.bytesOut; held.bytesIn += r.bytesIn; held.packets += r.packets; held.flows += r.flows;
      held.localHosts = Math.max(held.localHosts, r.localHosts);
    }
  }
}

/** Rolls windows of one sensor (sorted by start) up into buckets of `bucketMs`. */
export function rollUp(windows: WindowStats[], bucketMs: number, topK = 10): WindowStats[] {
  const out: WindowStats[] = [];
  let acc: WindowStats | null = null;
  for (const w of windows) {
    const start = Math.floor(w.start / bucketMs) * bucketMs;
    if (!acc || acc.start !== start || acc.sensor !== w.sensor) {
      acc = emptyWindowStats(w.sensor, start, bucketMs);
      out.push(acc);
    }
    mergeInto(acc, w);
  }
  for (const w of out) {
    w.topLocalHosts.sort((a, b) => b.bytesOut + b.bytesIn - a.bytesOut - a.bytesIn).splice(topK);
    w.topRemoteEndpoints.sort((a, b) => b.bytesOut + b.bytesIn - a.bytesOut - a.bytesIn).splice(topK);
  }
  return out;
}
