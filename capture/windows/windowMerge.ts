// Merges the shards of one window into the WindowStats a single pipeline would have emitted for the
// same packets, field for field and in the same order (WindowAccumulator.toStats is the reference):
// sums where the shards' parts are disjoint, unions of the members for distinct counts that several
// shards contribute to, lists cut at their limit in packet order (sequence numbers), ties broken by
// first sight, and the DNS label entropies added up in packet order.
import {
  WINDOW_STATS_VERSION, emptyDirectionStats, type DirectionStats, type DnsName, type FlowStart, type LocalHostStats,
  type RemoteEndpointStats, type ServiceStats, type WindowStats,
} from '../windowStats.ts';
import { DIR_INTERNAL, DIR_OTHER } from '../flows/localNetworks.ts';
import type { PassiveDnsNames } from '../evidence/passiveDnsNames.ts';
import type { WindowLimits } from './windowAccumulator.ts';
import type { DnsNameShard, HostShard, RemoteShard, WindowShard } from './windowShard.ts';

/** The window's DNS answers, replayed in packet order by the merging side (see ShardedPipeline). */
export interface MergedDnsAnswers {
  answers: Map<string, string>;
  dropped: number;
}

export interface WindowMergeOptions {
  sensor: string;
  windowMs: number;
  limits: WindowLimits;
  names: PassiveDnsNames | null;
}

function sumDirections(parts: readonly WindowShard[], d: number): DirectionStats {
  const out = emptyDirectionStats();
  for (const p of parts) {
    const s = p.dirs[d]!;
    out.packets += s.packets; out.bytes += s.bytes; out.flowsStarted += s.flowsStarted; out.flowsActive += s.flowsActive;
    out.remoteHosts += s.remoteHosts; out.tcpSyn += s.tcpSyn; out.tcpSynAck += s.tcpSynAck; out.tcpRst += s.tcpRst;
    out.tcpSynUnanswered += s.tcpSynUnanswered; out.icmpUnreachable += s.icmpUnreachable;
    out.dnsQueries += s.dnsQueries; out.dnsResponses += s.dnsResponses; out.dnsNxdomain += s.dnsNxdomain;
  }
  if (d === DIR_INTERNAL || d === DIR_OTHER) {
    const keys = new Set<number>();
    for (const p of parts) for (const k of d === DIR_INTERNAL ? p.internalHosts : p.otherHosts) keys.add(k);
    out.remoteHosts = keys.size;
  }
  const ports = new Set<number>();
  for (const p of parts) for (const port of p.remotePorts[d]!) ports.add(port);
  out.remotePorts = ports.size;
  return out;
}

function service(parts: readonly WindowShard[], i: number): ServiceStats {
  let packets = 0;
  let bytes = 0;
  let flows = 0;
  for (const p of parts) {
    packets += p.svcPackets[i]!;
    bytes += p.svcBytes[i]!;
    flows += p.svcFlows[i]!;
  }
  return { packets, bytes, flows };
}

interface MergedHost {
  first: HostShard;
  firstSeq: number;
  bytesOut: number; bytesIn: number; packetsOut: number; packetsIn: number; flows: number; flowsStarted: number;
  peers: number; ports: Set<number>; tcpSyn: number; tcpSynUnanswered: number; tcpRstReceived: number;
  dnsQueries: number; dnsNxdomain: number; bytesToRemote: number; packetsToRemote: number;
  topRemote: string | null; topRemoteBytes: number; topRemoteSeq: number;
}

function mergeHosts(parts: readonly WindowShard[], limit: number): { hosts: MergedHost[]; overflowPackets: number } {
  const byHost = new Map<string, MergedHost>();
  let overflowPackets = 0;
  for (const p of parts) {
    overflowPackets += p.hostsOverflowPackets;
    for (const h of p.hosts) {
      let m = byHost.get(h.host);
      if (m === undefined) {
        m = {
          first: h, firstSeq: h.firstSeq, bytesOut: 0, bytesIn: 0, packetsOut: 0, packetsIn: 0, flows: 0, flowsStarted: 0,
          peers: 0, ports: new Set(), tcpSyn: 0, tcpSynUnanswered: 0, tcpRstReceived: 0, dnsQueries: 0, dnsNxdomain: 0,
          bytesToRemote: 0, packetsToRemote: 0, topRemote: null, topRemoteBytes: 0, topRemoteSeq: 0,
        };
        byHost.set(h.host, m);
      }
      if (h.firstSeq < m.firstSeq) m.firstSeq = h.firstSeq;
      m.bytesOut += h.bytesOut; m.bytesIn += h.bytesIn; m.packetsOut += h.packetsOut; m.packetsIn += h.packetsIn;
      m.flows += h.flows; m.flowsStarted += h.flowsStarted; m.peers += h.peers;
      for (const port of h.ports) m.ports.add(port);
      m.tcpSyn += h.tcpSyn; m.tcpSynUnanswered += h.tcpSynUnanswered; m.tcpRstReceived += h.tcpRstReceived;
      m.dnsQueries += h.dnsQueries; m.dnsNxdomain += h.dnsNxdomain;
      m.bytesToRemote += h.bytesToRemote; m.packetsToRemote += h.packetsToRemote;
      if (h.topRemote !== null && (m.topRemote === null || h.topRemoteBytes > m.topRemoteBytes
        || (h.topRemoteBytes === m.topRemoteBytes && h.topRemoteSeq < m.topRemoteSeq))) {
        m.topRemote = h.topRemote;
        m.topRemoteBytes = h.topRemoteBytes;
        m.topRemoteSeq = h.topRemoteSeq;
      }
    }
  }
  // the window tracks the first `limit` hosts seen
  const hosts = [...byHost.values()].sort((a, b) => a.firstSeq - b.firstSeq);
  if (hosts.length > limit) {
    for (const h of hosts.slice(limit)) overflowPackets += h.packetsOut + h.packetsIn;
    hosts.length = limit;
  }
  return { hosts, overflowPackets };
}

function hostStats(h: MergedHost): LocalHostStats {
  return {
    host: h.first.host, bytesOut: h.bytesOut, bytesIn: h.bytesIn, packetsOut: h.packetsOut, packetsIn: h.packetsIn,
    flows: h.flows, flowsStarted: h.flowsStarted, peers: h.peers, dstPorts: h.ports.size,
    tcpSyn: h.tcpSyn, tcpSynUnanswered: h.tcpSynUnanswered, tcpRstReceived: h.tcpRstReceived,
    dnsQueries: h.dnsQueries, dnsNxdomain: h.dnsNxdomain,
    bytesToRemote: h.bytesToRemote, packetsToRemote: h.packetsToRemote,
    ...(h.topRemote !== null ? { topRemote: h.topRemote } : {}),
  };
}

function bySeq<T extends { firstSeq: number }>(a: T, b: T): number {
  return a.firstSeq - b.firstSeq;
}

function topRemotes(parts: readonly WindowShard[], o: WindowMergeOptions): RemoteEndpointStats[] {
  // a remote address belongs to one shard: the window tracks the first `remotes` of all of them
  const all: RemoteShard[] = [];
  for (const p of parts) for (const r of p.remotes) all.push(r);
  all.sort(bySeq);
  if (all.length > o.limits.remotes) all.length = o.limits.remotes;
  return all
    .sort((a, b) => b.bytesOut + b.bytesIn - (a.bytesOut + a.bytesIn))
    .slice(0, o.limits.topK)
    .map((r) => {
      const e: RemoteEndpointStats = {
        host: r.host, bytesOut: r.bytesOut, bytesIn: r.bytesIn, packets: r.packets, flows: r.flows,
        localHosts: r.localHosts, topPort: r.topPort,
      };
      const name = o.names?.nameOf(r.host);
      if (name !== undefined) e.name = name;
      return e;
    });
}

function flowStarts(parts: readonly WindowShard[], limit: number): { list: FlowStart[]; dropped: number } {
  const all: Array<{ seq: number; start: FlowStart }> = [];
  let total = 0;
  for (const p of parts) {
    total += p.flowsStartedTotal;
    p.flowStarts.forEach((start, i) => all.push({ seq: p.flowStartSeqs[i]!, start }));
  }
  all.sort((a, b) => a.seq - b.seq);
  const list = all.slice(0, limit).map((e) => e.start);
  return { list, dropped: total - list.length };
}

function dnsNames(parts: readonly WindowShard[], limit: number): { names: DnsName[]; dropped: number } {
  const byKey = new Map<string, DnsNameShard & { total: DnsName }>();
  let dropped = 0;
  for (const p of parts) {
    dropped += p.dnsNamesDropped;
    for (const n of p.dnsNames) {
      const m = byKey.get(n.key);
      if (m === undefined) {
        byKey.set(n.key, { ...n, total: { name: n.name, client: n.client, queries: n.queries, nxdomain: n.nxdomain, qtype: n.qtype } });
        continue;
      }
      m.total.queries += n.queries;
      m.total.nxdomain += n.nxdomain;
      if (n.firstSeq < m.firstSeq) {
        m.firstSeq = n.firstSeq;
        m.total.qtype = n.qtype;
      }
    }
  }
  const all = [...byKey.values()].sort(bySeq);
  // past the limit, a name is not listed and its queries count as dropped
  for (const n of all.slice(limit)) dropped += n.total.queries;
  return { names: all.slice(0, limit).map((n) => n.total), dropped };
}

function entropySum(parts: readonly WindowShard[]): number {
  const all: Array<[number, number]> = [];
  for (const p of parts) {
    const e = p.dnsEntropies;
    for (let i = 0; i < e.length; i += 2) all.push([e[i]!, e[i + 1]!]);
  }
  all.sort((a, b) => a[0] - b[0]);
  let sum = 0;
  for (const [, v] of all) sum += v;
  return sum;
}

/** The window `index` from its shards (at least one); health beyond packetsSeen and decodeErrors is the caller's. */
export function mergeWindowShards(index: number, parts: readonly WindowShard[], answers: MergedDnsAnswers | null, o: WindowMergeOptions): WindowStats {
  let packetsSeen = 0;
  let decodeErrors = 0;
  let q = 0;
  let responses = 0;
  let nxdomain = 0;
  let lengthSum = 0;
  let lengthMax = 0;
  let anyHosts = false;
  for (const p of parts) {
    packetsSeen += p.packetsSeen;
    decodeErrors += p.decodeErrors;
    q += p.dnsQueries;
    responses += p.dnsResponses;
    nxdomain += p.dnsNxdomain;
    lengthSum += p.dnsNameLengthSum;
    if (p.dnsNameLengthMax > lengthMax) lengthMax = p.dnsNameLengthMax;
    if (p.hosts.length > 0 || p.remotes.length > 0) anyHosts = true;
  }
  const starts = flowStarts(parts, o.limits.flowStarts);
  const w: WindowStats = {
    version: WINDOW_STATS_VERSION,
    sensor: o.sensor,
    start: index * o.windowMs,
    durationMs: o.windowMs,
    flushedByClock: false,
    directions: {
      outbound: sumDirections(parts, 0), inbound: sumDirections(parts, 1), internal: sumDirections(parts, 2), other: sumDirections(parts, 3),
    },
    services: {
      dns: service(parts, 0), http: service(parts, 1), tls: service(parts, 2), ssh: service(parts, 3), smb: service(parts, 4),
      ntp: service(parts, 5), 'other-tcp': service(parts, 6), 'other-udp': service(parts, 7), icmp: service(parts, 8),
      other: service(parts, 9),
    },
    topLocalHosts: [],
    localHosts: [],
    localHostsOverflowPackets: 0,
    topRemoteEndpoints: [],
    flowStarts: starts.list,
    flowStartsDropped: starts.dropped,
    dns: { queries: 0, responses: 0, nxdomain: 0, nameLengthMean: 0, nameLengthMax: 0, labelEntropyMean: 0, names: [], namesDropped: 0 },
    health: {
      packetsSeen, packetsDropped: 0, packetsIfDropped: 0, decodeErrors,
      flowEvictions: 0, flowsTracked: 0, lossRatio: 0, storeDropped: 0,
    },
  };
  if (!anyHosts && q === 0 && responses === 0) return w;
  const { hosts, overflowPackets } = mergeHosts(parts, o.limits.hosts);
  // busiest first; ties in the order first seen
  w.localHosts = hosts
    .sort((a, b) => b.bytesOut + b.bytesIn - (a.bytesOut + a.bytesIn) || a.firstSeq - b.firstSeq)
    .map(hostStats);
  w.localHostsOverflowPackets = overflowPackets;
  w.topLocalHosts = w.localHosts.slice(0, o.limits.topK);
  w.topRemoteEndpoints = topRemotes(parts, o);
  const names = dnsNames(parts, o.limits.dnsNames);
  w.dns = {
    queries: q,
    responses,
    nxdomain,
    nameLengthMean: q > 0 ? lengthSum / q : 0,
    nameLengthMax: lengthMax,
    labelEntropyMean: q > 0 ? entropySum(parts) / q : 0,
    names: names.names,
    namesDropped: names.dropped,
  };
  if (answers !== null && (answers.answers.size > 0 || answers.dropped > 0)) {
    w.dns.answers = [...answers.answers].map(([address, name]) => ({ address, name }));
    w.dns.answersDropped = answers.dropped;
  }
  return w;
}
