// The mutable state of one open window, and its conversion into the WindowStats record.
import {
  DIRECTIONS, SERVICES, WINDOW_STATS_VERSION, copyDirectionStats, emptyDirectionStats, type DirectionStats, type DnsName, type DnsSummary, type FlowStart,
  type ServiceStats, type WindowStats,
} from '../windowStats.ts';
import { NumberSet } from '../structures/numberSet.ts';
import { NumberIndex } from '../structures/numberIndex.ts';
import { WindowAddresses } from './windowAddresses.ts';
import { LocalHostAccumulator, RemoteEndpointAccumulator } from './endpointAccumulators.ts';
import type { PassiveDnsNames } from '../evidence/passiveDnsNames.ts';

export interface WindowLimits {
  topK: number;
  /** flow starts listed per window */
  flowStarts: number;
  /** DNS names listed per window */
  dnsNames: number;
  /** answered addresses (passive DNS) listed per window */
  dnsAnswers: number;
  /** local hosts tracked per window; later ones are not ranked */
  hosts: number;
  /** remote endpoints tracked per window (the first ones seen); later ones are not ranked */
  remotes: number;
  /** addresses in the window's peer-address table, and members of each other distinct-count set;
   *  beyond it the count is a lower bound */
  distinct: number;
}

export const DEFAULT_WINDOW_LIMITS: WindowLimits = {
  topK: 20, flowStarts: 1_000, dnsNames: 500, dnsAnswers: 200, hosts: 65_536, remotes: 4_096, distinct: 1 << 20,
};

function emptyDnsSummary(): DnsSummary {
  return { queries: 0, responses: 0, nxdomain: 0, nameLengthMean: 0, nameLengthMax: 0, labelEntropyMean: 0, names: [], namesDropped: 0 };
}

export class WindowAccumulator {
  readonly dirs: DirectionStats[] = DIRECTIONS.map(() => emptyDirectionStats());
  /** every peer address of the window: distinct remote hosts per direction, remote-endpoint entries */
  readonly addresses: WindowAddresses;
  readonly remotePortSets: NumberSet[];
  readonly svcPackets = new Float64Array(SERVICES.length);
  readonly svcBytes = new Float64Array(SERVICES.length);
  readonly svcFlows = new Float64Array(SERVICES.length);
  /** address key → index in hostList */
  readonly localHosts = new NumberIndex();
  readonly hostList: LocalHostAccumulator[] = [];
  readonly remoteList: RemoteEndpointAccumulator[] = [];
  flowStarts: FlowStart[] = [];
  /** sequence numbers of the packets that started the listed flows */
  flowStartSeqs: number[] = [];
  flowStartsDropped = 0;
  dnsQueries = 0;
  dnsResponses = 0;
  dnsNxdomain = 0;
  dnsNameLengthSum = 0;
  dnsNameLengthMax = 0;
  dnsEntropySum = 0;
  readonly dnsNames = new Map<string, DnsName>();
  dnsNamesDropped = 0;
  /** for a merge of shards (null otherwise): the sequence number that created each DNS name entry,
   *  and each query's (sequence number, label entropy), so that the entropies add up in packet order */
  readonly dnsNameSeqs: Map<string, number> | null;
  readonly dnsEntropies: number[] | null;
  /** address → name of the A/AAAA answers seen in the window */
  readonly dnsAnswers = new Map<string, string>();
  dnsAnswersDropped = 0;
  packetsSeen = 0;
  decodeErrors = 0;
  /** packets of local hosts beyond limits.hosts (not attributed to any host) */
  hostsOverflowPackets = 0;

  /** host and endpoint objects of the window before, re-initialised instead of allocated anew */
  private readonly hostPool: LocalHostAccumulator[] = [];
  private readonly remotePool: RemoteEndpointAccumulator[] = [];

  /** `forMerge`: a shard's window, kept with what the merge of shards needs */
  constructor(public index: number, public start: number, public durationMs: number, private readonly distinctLimit: number, forMerge = false) {
    this.addresses = new WindowAddresses(distinctLimit);
    this.remotePortSets = DIRECTIONS.map(() => new NumberSet(distinctLimit));
    this.dnsNameSeqs = forMerge ? new Map() : null;
    this.dnsEntropies = forMerge ? [] : null;
  }

  /** Appends a fresh local-host entry to hostList; returns its index. */
  addLocalHost(v6: boolean, w: Uint32Array): number {
    let h = this.hostPool.pop();
    if (h === undefined) h = new LocalHostAccumulator(v6, w, new NumberSet(this.distinctLimit), new NumberSet(this.distinctLimit));
    else h.reset(v6, w);
    return this.hostList.push(h) - 1;
  }

  /** Appends a fresh remote-endpoint entry to remoteList; returns its index. */
  addRemote(v6: boolean, w: Uint32Array): number {
    let r = this.remotePool.pop();
    if (r === undefined) r = new RemoteEndpointAccumulator(v6, w);
    else r.reset(v6, w);
    return this.remoteList.push(r) - 1;
  }

  /** Notes an address a DNS answer gave (bounded per window). */
  addDnsAnswer(address: string, name: string, limit: number): void {
    if (this.dnsAnswers.has(address) || this.dnsAnswers.size < limit) this.dnsAnswers.set(address, name);
    else this.dnsAnswersDropped++;
  }

  /** Makes this accumulator a fresh one for another window (saves allocating sets and maps per window). */
  reuseFor(index: number, start: number): void {
    for (const h of this.hostList) {
      h.peerSet.clear();
      h.portSet.clear();
      this.hostPool.push(h);
    }
    for (const r of this.remoteList) this.remotePool.push(r);
    this.index = index;
    this.start = start;
    for (const d of this.dirs) {
      d.packets = 0; d.bytes = 0; d.flowsStarted = 0; d.flowsActive = 0; d.remoteHosts = 0; d.remotePorts = 0;
      d.tcpSyn = 0; d.tcpSynAck = 0; d.tcpRst = 0; d.tcpSynUnanswered = 0; d.icmpUnreachable = 0;
      d.dnsQueries = 0; d.dnsResponses = 0; d.dnsNxdomain = 0;
    }
    this.addresses.clear();
    for (const set of this.remotePortSets) set.clear();
    this.svcPackets.fill(0);
    this.svcBytes.fill(0);
    this.svcFlows.fill(0);
    this.localHosts.clear();
    // clearing a Map or an array's length costs even when there is nothing to clear, and many
    // short windows have no hosts or DNS names
    if (this.hostList.length > 0) this.hostList.length = 0;
    if (this.remoteList.length > 0) this.remoteList.length = 0;
    this.flowStarts = [];
    this.flowStartSeqs = [];
    this.flowStartsDropped = 0;
    this.dnsQueries = 0;
    this.dnsResponses = 0;
    this.dnsNxdomain = 0;
    this.dnsNameLengthSum = 0;
    this.dnsNameLengthMax = 0;
    this.dnsEntropySum = 0;
    if (this.dnsNames.size > 0) this.dnsNames.clear();
    if (this.dnsNameSeqs !== null && this.dnsNameSeqs.size > 0) this.dnsNameSeqs.clear();
    if (this.dnsEntropies !== null) this.dnsEntropies.length = 0;
    this.dnsNamesDropped = 0;
    if (this.dnsAnswers.size > 0) this.dnsAnswers.clear();
    this.dnsAnswersDropped = 0;
    this.packetsSeen = 0;
    this.decodeErrors = 0;
    this.hostsOverflowPackets = 0;
  }

  private service(i: number): ServiceStats {
    return { packets: this.svcPackets[i]!, bytes: this.svcBytes[i]!, flows: this.svcFlows[i]! };
  }

  toStats(sensor: string, topK: number, names: PassiveDnsNames | null): WindowStats {
    const dirs = this.dirs;
    for (let d = 0; d < dirs.length; d++) {
      dirs[d]!.remoteHosts = this.addresses.directionCounts[d]!;
      dirs[d]!.remotePorts = this.remotePortSets[d]!.size;
    }
    const w: WindowStats = {
      version: WINDOW_STATS_VERSION,
      sensor,
      start: this.start,
      durationMs: this.durationMs,
      flushedByClock: false,
      directions: {
        outbound: copyDirectionStats(dirs[0]!), inbound: copyDirectionStats(dirs[1]!),
        internal: copyDirectionStats(dirs[2]!), other: copyDirectionStats(dirs[3]!),
      },
      services: {
        dns: this.service(0), http: this.service(1), tls: this.service(2), ssh: this.service(3), smb: this.service(4),
        ntp: this.service(5), 'other-tcp': this.service(6), 'other-udp': this.service(7), icmp: this.service(8),
        other: this.service(9),
      },
      topLocalHosts: [],
      localHosts: [],
      localHostsOverflowPackets: 0,
      topRemoteEndpoints: [],
      flowStarts: this.flowStarts,
      flowStartsDropped: this.flowStartsDropped,
      dns: emptyDnsSummary(),
      health: {
        packetsSeen: this.packetsSeen, packetsDropped: 0, packetsIfDropped: 0, decodeErrors: this.decodeErrors,
        flowEvictions: 0, flowsTracked: 0, lossRatio: 0, storeDropped: 0,
      },
    };
    if (this.hostList.length === 0 && this.remoteList.length === 0 && this.dnsQueries === 0 && this.dnsResponses === 0) return w;
    // sorted in place: the lists are not read again before reuseFor() (the sort is stable either way)
    // every active local host, busiest first; the top list shares its first entries
    w.localHosts = this.hostList
      .sort((a, b) => b.bytesOut + b.bytesIn - (a.bytesOut + a.bytesIn))
      .map((h) => {
        const topRemote = h.topRemoteHost;
        return {
        host: h.host, bytesOut: h.bytesOut, bytesIn: h.bytesIn, packetsOut: h.packetsOut, packetsIn: h.packetsIn,
        flows: h.flows, flowsStarted: h.flowsStarted, peers: h.peersInline + h.peerSet.size, dstPorts: h.portSet.size,
        tcpSyn: h.tcpSyn, tcpSynUnanswered: h.tcpSynUnanswered, tcpRstReceived: h.tcpRstReceived,
        dnsQueries: h.dnsQueries, dnsNxdomain: h.dnsNxdomain,
        bytesToRemote: h.bytesToRemote, packetsToRemote: h.packetsToRemote,
        ...(topRemote !== undefined ? { topRemote } : {}),
        };
      });
    w.localHostsOverflowPackets = this.hostsOverflowPackets;
    w.topLocalHosts = w.localHosts.slice(0, topK);
    w.topRemoteEndpoints = this.remoteList
      .sort((a, b) => b.bytesOut + b.bytesIn - (a.bytesOut + a.bytesIn))
      .slice(0, topK)
      .map((r) => {
        const host = r.host;
        const e: WindowStats['topRemoteEndpoints'][number] = {
          host, bytesOut: r.bytesOut, bytesIn: r.bytesIn, packets: r.packets, flows: r.flows,
          localHosts: r.localHosts, topPort: r.topPort,
        };
        const name = names?.nameOf(host);
        if (name !== undefined) e.name = name;
        return e;
      });
    const q = this.dnsQueries;
    w.dns = {
      queries: q,
      responses: this.dnsResponses,
      nxdomain: this.dnsNxdomain,
      nameLengthMean: q > 0 ? this.dnsNameLengthSum / q : 0,
      nameLengthMax: this.dnsNameLengthMax,
      labelEntropyMean: q > 0 ? this.dnsEntropySum / q : 0,
      names: [...this.dnsNames.values()],
      namesDropped: this.dnsNamesDropped,
    };
    if (this.dnsAnswers.size > 0 || this.dnsAnswersDropped > 0) {
      w.dns.answers = [...this.dnsAnswers].map(([address, name]) => ({ address, name }));
      w.dns.answersDropped = this.dnsAnswersDropped;
    }
    return w;
  }
}
