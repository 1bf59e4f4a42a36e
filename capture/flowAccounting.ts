// Per-flow facts the windows need (direction, service, which windows already counted the flow,
// a pending unanswered SYN), kept in typed arrays parallel to the flow table's slots.
import { addressKey, addressText } from './addressText.ts';
import { IP_PROTO, NETWORK, type DecodedPacket } from './decode/decodedPacket.ts';
import type { FlowTable } from './flowTable.ts';
import { DIR_INBOUND, DIRECTION_NAMES } from './localNetworks.ts';
import type { WindowAccumulator, WindowLimits } from './windowAccumulator.ts';
import { subdomainEntropy } from './dnsNameShape.ts';
import type { L4Protocol } from './windowStats.ts';

function l4Name(proto: number): L4Protocol {
  if (proto === IP_PROTO.TCP) return 'tcp';
  if (proto === IP_PROTO.UDP) return 'udp';
  if (proto === IP_PROTO.ICMP || proto === IP_PROTO.ICMPV6) return 'icmp';
  return 'other';
}

export class FlowAccounting {
  /** direction code initiator → responder */
  readonly dir: Uint8Array;
  readonly service: Uint8Array;
  private readonly startWin: Float64Array;
  private readonly lastWin: Float64Array;
  private readonly prevWin: Float64Array;
  readonly synPending: Uint8Array;
  readonly initiatorKey: Float64Array;
  /** per flow, for window `cacheWin` only: directions seen (bit 0 from the initiator, bit 1 from the
   *  responder) and the indexes of its initiator's / responder's local-host entry and of its remote
   *  endpoint entry in that window (-1 = not looked up yet) */
  private readonly cacheWin: Float64Array;
  private readonly dirSeen: Uint8Array;
  readonly hostInit: Int32Array;
  readonly hostResp: Int32Array;
  readonly remoteOf: Int32Array;
  /** address keys of the current packet's source and destination (set by setKeys) */
  srcKey = 0;
  dstKey = 0;
  /** set by markActive(): the current packet is the flow's first in this window */
  newlyActive = false;
  /** the current packet started its flow */
  justStarted = false;

  constructor(private readonly table: FlowTable, private readonly limits: WindowLimits) {
    const n = table.capacity;
    this.dir = new Uint8Array(n);
    this.service = new Uint8Array(n);
    this.startWin = new Float64Array(n);
    this.lastWin = new Float64Array(n);
    this.prevWin = new Float64Array(n);
    this.synPending = new Uint8Array(n);
    this.initiatorKey = new Float64Array(n);
    this.cacheWin = new Float64Array(n);
    this.dirSeen = new Uint8Array(n);
    this.hostInit = new Int32Array(n);
    this.hostResp = new Int32Array(n);
    this.remoteOf = new Int32Array(n);
  }

  /**
   * Switches the flow's per-window cache to window `w` when needed; returns whether this is the
   * flow's first packet in this direction in the window.
   */
  noteDirection(flow: number, w: number, fromInitiator: boolean): boolean {
    if (this.cacheWin[flow] !== w) {
      this.cacheWin[flow] = w;
      this.dirSeen[flow] = 0;
      this.hostInit[flow] = -1;
      this.hostResp[flow] = -1;
      this.remoteOf[flow] = -1;
    }
    const bit = fromInitiator ? 1 : 2;
    const seen = this.dirSeen[flow]!;
    if ((seen & bit) !== 0) return false;
    this.dirSeen[flow] = seen | bit;
    return true;
  }

  setKeys(p: DecodedPacket): void {
    const v6 = p.network === NETWORK.IPV6;
    this.srcKey = addressKey(v6, p.src);
    this.dstKey = addressKey(v6, p.dst);
  }

  serverPort(flow: number): number {
    return this.table.serverPort[flow]!;
  }

  start(flow: number, acc: WindowAccumulator, p: DecodedPacket, fdir: number, svc: number): void {
    this.justStarted = true;
    const fromInit = this.table.fromInitiator;
    this.dir[flow] = fdir;
    this.service[flow] = svc;
    this.startWin[flow] = acc.index;
    this.cacheWin[flow] = Number.NaN;
    this.lastWin[flow] = Number.NaN;
    this.prevWin[flow] = Number.NaN;
    this.initiatorKey[flow] = fromInit ? this.srcKey : this.dstKey;
    const syn = p.proto === IP_PROTO.TCP && p.hasPorts && (p.tcpFlags & 0x12) === 0x02 ? 1 : 0;
    this.synPending[flow] = syn;
    const ds = acc.dirs[fdir]!;
    ds.flowsStarted++;
    if (syn) ds.tcpSynUnanswered++;
    if (acc.flowStarts.length >= this.limits.flowStarts) {
      acc.flowStartsDropped++;
      return;
    }
    const v6 = p.network === NETWORK.IPV6;
    const initiator = addressText(v6, fromInit ? p.src : p.dst);
    const responder = addressText(v6, fromInit ? p.dst : p.src);
    const inbound = fdir === DIR_INBOUND;
    acc.flowStarts.push({
      ts: Math.floor(p.tsMs),
      direction: DIRECTION_NAMES[fdir]!,
      proto: l4Name(p.proto),
      local: inbound ? responder : initiator,
      remote: inbound ? initiator : responder,
      port: this.table.serverPort[flow]!,
    });
  }

  /** Counts the flow as active in `acc` once; sets newlyActive. */
  markActive(flow: number, acc: WindowAccumulator): void {
    const w = acc.index;
    const last = this.lastWin[flow]!;
    if (w === last || w === this.prevWin[flow]) {
      this.newlyActive = false;
      return;
    }
    this.newlyActive = true;
    if (w > last || Number.isNaN(last)) {
      this.prevWin[flow] = last;
      this.lastWin[flow] = w;
    } else {
      this.prevWin[flow] = w;
    }
    const d = this.dir[flow]!;
    acc.dirs[d]!.flowsActive++;
    acc.svcFlows[this.service[flow]!]!++;
    acc.remotePortSets[d]!.add(this.table.serverPort[flow]!);
  }

  /** A SYN-ACK arrived: un-count the flow's unanswered SYN if its start window is still open. */
  resolveSyn(flow: number, open: readonly WindowAccumulator[]): boolean {
    if (this.synPending[flow] === 0) return false;
    this.synPending[flow] = 0;
    for (const acc of open) {
      if (acc.index !== this.startWin[flow]) continue;
      acc.dirs[this.dir[flow]!]!.tcpSynUnanswered--;
      const host = acc.localHosts.get(this.initiatorKey[flow]!);
      if (host >= 0) acc.hostList[host]!.tcpSynUnanswered--;
      return true;
    }
    return false;
  }

  countDns(acc: WindowAccumulator, p: DecodedPacket): void {
    const name = p.dnsName;
    if (!p.dnsResponse) {
      acc.dnsQueries++;
      acc.dnsNameLengthSum += name.length;
      if (name.length > acc.dnsNameLengthMax) acc.dnsNameLengthMax = name.length;
      acc.dnsEntropySum += subdomainEntropy(name);
      this.nameEntry(acc, p, this.srcKey, p.src, true);
      return;
    }
    acc.dnsResponses++;
    if (p.dnsRcode === 3) {
      acc.dnsNxdomain++;
      this.nameEntry(acc, p, this.dstKey, p.dst, false);
    }
  }

  private nameEntry(acc: WindowAccumulator, p: DecodedPacket, clientKey: number, client: Uint32Array, query: boolean): void {
    const key = `${clientKey} ${p.dnsName}`;
    let e = acc.dnsNames.get(key);
    if (!e) {
      if (acc.dnsNames.size >= this.limits.dnsNames) {
        if (query) acc.dnsNamesDropped++;
        return;
      }
      e = { name: p.dnsName, client: addressText(p.network === NETWORK.IPV6, client), queries: 0, nxdomain: 0, qtype: p.dnsQtype };
      acc.dnsNames.set(key, e);
    }
    if (query) e.queries++;
    else e.nxdomain++;
  }
}
