// The WindowStats record: one per sensor per window, cut on packet (event) time.
// This is the contract that store/, model/, server/ and ui/ consume; it is documented
// field by field in the README ("Records: WindowStats"). Any change to its shape bumps
// WINDOW_STATS_VERSION.

export const WINDOW_STATS_VERSION = 1;

/** The directions, in the order of the capture's direction codes (DIR_* in flows/localNetworks.ts). */
export const DIRECTIONS = ['outbound', 'inbound', 'internal', 'other'] as const;
export type Direction = typeof DIRECTIONS[number];

/** The service classes, in the order of the capture's service codes (SVC_* in flows/services.ts). */
export const SERVICES = ['dns', 'http', 'tls', 'ssh', 'smb', 'ntp', 'other-tcp', 'other-udp', 'icmp', 'other'] as const;
export type Service = typeof SERVICES[number];

export type L4Protocol = 'tcp' | 'udp' | 'icmp' | 'other';

/** Traffic of one direction within one window. Bytes are on-the-wire (original length). */
export interface DirectionStats {
  packets: number;
  bytes: number;
  /** flows whose first packet fell in this window */
  flowsStarted: number;
  /** flows that carried at least one packet in this window */
  flowsActive: number;
  /** distinct remote addresses seen in this window (local peer for `internal`, both ends for `other`) */
  remoteHosts: number;
  /** distinct remote (server-side) ports seen in this window */
  remotePorts: number;
  tcpSyn: number;
  tcpSynAck: number;
  tcpRst: number;
  /** TCP flows started in this window whose SYN got no SYN-ACK by the window's close */
  tcpSynUnanswered: number;
  icmpUnreachable: number;
  dnsQueries: number;
  dnsResponses: number;
  dnsNxdomain: number;
}

export interface ServiceStats {
  packets: number;
  bytes: number;
  flows: number;
}

/** One local host among the top-K of the window (ranked by bytes out + bytes in). */
export interface LocalHostStats {
  host: string;
  bytesOut: number;
  bytesIn: number;
  packetsOut: number;
  packetsIn: number;
  /** flows active in the window with this host as the local end */
  flows: number;
  flowsStarted: number;
  /** distinct peers (remote or local) */
  peers: number;
  /** distinct destination ports this host contacted */
  dstPorts: number;
  tcpSyn: number;
  tcpSynUnanswered: number;
  tcpRstReceived: number;
  dnsQueries: number;
  dnsNxdomain: number;
  /** bytes and packets this host sent to remote (non-local) addresses: the part of bytesOut that
   *  left the network (absent in windows recorded before it was counted) */
  bytesToRemote?: number;
  packetsToRemote?: number;
  /** the remote address that received most of those bytes (exact when one received more than half) */
  topRemote?: string;
}

/** One remote endpoint among the top-K of the window (ranked by total bytes). */
export interface RemoteEndpointStats {
  host: string;
  /** bytes sent to this remote by local hosts */
  bytesOut: number;
  /** bytes received from this remote */
  bytesIn: number;
  packets: number;
  flows: number;
  /** distinct local hosts that talked to it */
  localHosts: number;
  /** the server-side port carrying the most bytes with this remote */
  topPort: number;
  /** the name DNS answers on the wire last gave this address (passive DNS; untrusted text), when one was seen */
  name?: string;
}

/** A flow whose first packet fell in this window (bounded list; see `flowStartsDropped`). */
export interface FlowStart {
  /** ms since the epoch, event time */
  ts: number;
  direction: Direction;
  proto: L4Protocol;
  /** the local end (for `other`, the initiator) */
  local: string;
  /** the remote end (for `internal`, the responder) */
  remote: string;
  /** responder (server-side) port, 0 for ICMP and other protocols */
  port: number;
}

/** A DNS query name seen in the window (bounded list; see `dns.namesDropped`). Untrusted text. */
export interface DnsName {
  name: string;
  /** the local host that asked */
  client: string;
  queries: number;
  nxdomain: number;
  /** query type of the first query seen (1 = A, 28 = AAAA, 16 = TXT, …) */
  qtype: number;
}

export interface DnsSummary {
  queries: number;
  responses: number;
  nxdomain: number;
  /** mean and max length of query names in characters (0 when no queries) */
  nameLengthMean: number;
  nameLengthMax: number;
  /** mean Shannon entropy (bits/char) of the leftmost labels below the registered domain */
  labelEntropyMean: number;
  names: DnsName[];
  namesDropped: number;
  /** addresses A/AAAA answers of this window gave, with the name asked (passive DNS; at most 200; absent in older records) */
  answers?: DnsAnswer[];
  /** answered addresses beyond that limit */
  answersDropped?: number;
}

/** One address a DNS answer gave, and the name that was asked for (untrusted text). */
export interface DnsAnswer {
  address: string;
  name: string;
}

export interface CaptureHealth {
  /** packets the sensor read in this window */
  packetsSeen: number;
  /** packets dropped by the kernel buffer during this window (live capture only) */
  packetsDropped: number;
  /** packets dropped by the interface/driver during this window (live capture only) */
  packetsIfDropped: number;
  decodeErrors: number;
  /** flows evicted early because the flow table was full */
  flowEvictions: number;
  /** flows held in the flow table at the window's close */
  flowsTracked: number;
  /** packetsDropped / (packetsSeen + packetsDropped), 0 when nothing was seen */
  lossRatio: number;
  /** points the store could not keep (disk limit reached); filled by the store when known */
  storeDropped: number;
}

export interface WindowStats {
  version: typeof WINDOW_STATS_VERSION;
  sensor: string;
  /** window start, ms since the epoch (event time) */
  start: number;
  /** window length in ms */
  durationMs: number;
  /** true when the window was closed by the wall clock on a quiet live link */
  flushedByClock: boolean;
  directions: Record<Direction, DirectionStats>;
  services: Record<Service, ServiceStats>;
  topLocalHosts: LocalHostStats[];
  /** every active local host of the window, busiest first (up to the capture's host limit; absent
   *  in windows read back from the store or recorded before it existed: use topLocalHosts then) */
  localHosts?: LocalHostStats[];
  /** packets of local hosts beyond the host limit, counted in no host entry */
  localHostsOverflowPackets?: number;
  topRemoteEndpoints: RemoteEndpointStats[];
  flowStarts: FlowStart[];
  flowStartsDropped: number;
  dns: DnsSummary;
  health: CaptureHealth;
}

export function emptyDirectionStats(): DirectionStats {
  return {
    packets: 0, bytes: 0, flowsStarted: 0, flowsActive: 0, remoteHosts: 0, remotePorts: 0,
    tcpSyn: 0, tcpSynAck: 0, tcpRst: 0, tcpSynUnanswered: 0, icmpUnreachable: 0,
    dnsQueries: 0, dnsResponses: 0, dnsNxdomain: 0,
  };
}

/** A copy of one direction's counters (written out field by field: windows are emitted often). */
export function copyDirectionStats(d: DirectionStats): DirectionStats {
  return {
    packets: d.packets, bytes: d.bytes, flowsStarted: d.flowsStarted, flowsActive: d.flowsActive,
    remoteHosts: d.remoteHosts, remotePorts: d.remotePorts, tcpSyn: d.tcpSyn, tcpSynAck: d.tcpSynAck, tcpRst: d.tcpRst,
    tcpSynUnanswered: d.tcpSynUnanswered, icmpUnreachable: d.icmpUnreachable,
    dnsQueries: d.dnsQueries, dnsResponses: d.dnsResponses, dnsNxdomain: d.dnsNxdomain,
  };
}

function emptyService(): ServiceStats {
  return { packets: 0, bytes: 0, flows: 0 };
}

export function emptyWindowStats(sensor: string, start: number, durationMs: number): WindowStats {
  // literals in DIRECTIONS and SERVICES order: the record's key order is part of its JSON form
  return {
    version: WINDOW_STATS_VERSION,
    sensor,
    start,
    durationMs,
    flushedByClock: false,
    directions: {
      outbound: emptyDirectionStats(), inbound: emptyDirectionStats(), internal: emptyDirectionStats(), other: emptyDirectionStats(),
    },
    services: {
      dns: emptyService(), http: emptyService(), tls: emptyService(), ssh: emptyService(), smb: emptyService(),
      ntp: emptyService(), 'other-tcp': emptyService(), 'other-udp': emptyService(), icmp: emptyService(), other: emptyService(),
    },
    topLocalHosts: [],
    topRemoteEndpoints: [],
    flowStarts: [],
    flowStartsDropped: 0,
    dns: {
      queries: 0, responses: 0, nxdomain: 0, nameLengthMean: 0, nameLengthMax: 0,
      labelEntropyMean: 0, names: [], namesDropped: 0,
    },
    health: {
      packetsSeen: 0, packetsDropped: 0, packetsIfDropped: 0, decodeErrors: 0,
      flowEvictions: 0, flowsTracked: 0, lossRatio: 0, storeDropped: 0,
    },
  };
}
