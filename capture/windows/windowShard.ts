// One shard's part of a window, as a sharded pipeline's worker hands it to the merge: the counts,
// and for everything a plain sum would get wrong (distinct counts over addresses or ports that
// several shards see, lists cut at a limit, ties ordered by first sight, a floating-point sum) the
// members, sequence numbers and values the merge needs to give what one pipeline would have given.
import type { DirectionStats, FlowStart } from '../windowStats.ts';
import { DIR_INTERNAL, DIR_OTHER } from '../flows/localNetworks.ts';
import type { WindowAccumulator } from './windowAccumulator.ts';

export interface HostShard {
  host: string;
  /** 2 × the sequence number of the packet that created the entry (+ 1 as its receiver) */
  firstSeq: number;
  bytesOut: number;
  bytesIn: number;
  packetsOut: number;
  packetsIn: number;
  flows: number;
  flowsStarted: number;
  /** distinct peers in this shard (a peer address belongs to one shard: see shardOf) */
  peers: number;
  /** server ports of the flows it initiated */
  ports: number[];
  tcpSyn: number;
  tcpSynUnanswered: number;
  tcpRstReceived: number;
  dnsQueries: number;
  dnsNxdomain: number;
  bytesToRemote: number;
  packetsToRemote: number;
  /** the remote it sent most bytes to in this shard, those bytes, and the sequence number of the first packet to it */
  topRemote: string | null;
  topRemoteBytes: number;
  topRemoteSeq: number;
}

export interface RemoteShard {
  host: string;
  firstSeq: number;
  bytesOut: number;
  bytesIn: number;
  packets: number;
  flows: number;
  localHosts: number;
  topPort: number;
}

export interface DnsNameShard {
  key: string;
  firstSeq: number;
  name: string;
  client: string;
  queries: number;
  nxdomain: number;
  qtype: number;
}

/** A DNS answer a shard counted: the merge feeds the passive DNS table and the window's list in packet order. */
export interface DnsAnswerEvent {
  seq: number;
  window: number;
  tsMs: number;
  address: string;
  name: string;
}

export interface WindowShard {
  index: number;
  /** remoteHosts: the shard's distinct count for outbound and inbound (remote addresses belong to one
   *  shard), 0 for internal and other (see internalHosts, otherHosts); remotePorts: 0 (see remotePorts) */
  dirs: DirectionStats[];
  /** address keys counted as internal responders, and as ends of `other` flows */
  internalHosts: number[];
  otherHosts: number[];
  /** per direction code, the server ports of the active flows */
  remotePorts: number[][];
  svcPackets: number[];
  svcBytes: number[];
  svcFlows: number[];
  hosts: HostShard[];
  hostsOverflowPackets: number;
  remotes: RemoteShard[];
  flowStarts: FlowStart[];
  flowStartSeqs: number[];
  /** flows started in the window in this shard, listed or not */
  flowsStartedTotal: number;
  dnsQueries: number;
  dnsResponses: number;
  dnsNxdomain: number;
  dnsNameLengthSum: number;
  dnsNameLengthMax: number;
  /** (sequence number, label entropy) of each query */
  dnsEntropies: number[];
  dnsNames: DnsNameShard[];
  dnsNamesDropped: number;
  packetsSeen: number;
  decodeErrors: number;
}

/** The shard record of a closed window (the accumulator must have been built for a merge). */
export function windowShardOf(acc: WindowAccumulator): WindowShard {
  const dirs = acc.dirs.map((d, i) => ({
    ...d,
    remoteHosts: i === DIR_INTERNAL || i === DIR_OTHER ? 0 : acc.addresses.directionCounts[i]!,
    remotePorts: 0,
  }));
  const seqs = acc.dnsNameSeqs!;
  return {
    index: acc.index,
    dirs,
    internalHosts: acc.addresses.directionKeys(DIR_INTERNAL),
    otherHosts: acc.addresses.directionKeys(DIR_OTHER),
    remotePorts: acc.remotePortSets.map((s) => s.values()),
    svcPackets: [...acc.svcPackets],
    svcBytes: [...acc.svcBytes],
    svcFlows: [...acc.svcFlows],
    hosts: acc.hostList.map((h) => ({
      host: h.host, firstSeq: h.firstSeq, bytesOut: h.bytesOut, bytesIn: h.bytesIn, packetsOut: h.packetsOut, packetsIn: h.packetsIn,
      flows: h.flows, flowsStarted: h.flowsStarted, peers: h.peersInline + h.peerSet.size, ports: h.portSet.values(),
      tcpSyn: h.tcpSyn, tcpSynUnanswered: h.tcpSynUnanswered, tcpRstReceived: h.tcpRstReceived,
      dnsQueries: h.dnsQueries, dnsNxdomain: h.dnsNxdomain, bytesToRemote: h.bytesToRemote, packetsToRemote: h.packetsToRemote,
      topRemote: h.topRemoteHost ?? null, topRemoteBytes: h.topRemoteBytes, topRemoteSeq: h.topRemoteSeq,
    })),
    hostsOverflowPackets: acc.hostsOverflowPackets,
    remotes: acc.remoteList.map((r) => ({
      host: r.host, firstSeq: r.firstSeq, bytesOut: r.bytesOut, bytesIn: r.bytesIn, packets: r.packets, flows: r.flows,
      localHosts: r.localHosts, topPort: r.topPort,
    })),
    flowStarts: acc.flowStarts,
    flowStartSeqs: acc.flowStartSeqs,
    flowsStartedTotal: acc.flowStarts.length + acc.flowStartsDropped,
    dnsQueries: acc.dnsQueries,
    dnsResponses: acc.dnsResponses,
    dnsNxdomain: acc.dnsNxdomain,
    dnsNameLengthSum: acc.dnsNameLengthSum,
    dnsNameLengthMax: acc.dnsNameLengthMax,
    dnsEntropies: [...acc.dnsEntropies!],
    dnsNames: [...acc.dnsNames].map(([key, e]) => ({ key, firstSeq: seqs.get(key)!, ...e })),
    dnsNamesDropped: acc.dnsNamesDropped,
    packetsSeen: acc.packetsSeen,
    decodeErrors: acc.decodeErrors,
  };
}
