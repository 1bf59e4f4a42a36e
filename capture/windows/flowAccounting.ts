// Per-flow facts the windows need (direction, service, which windows already counted the flow,
// a pending unanswered SYN), kept in typed arrays parallel to the flow table's slots.
import { addressText } from '../structures/addressText.ts';
import { IP_PROTO, NETWORK, type DecodedPacket } from '../decode/decodedPacket.ts';
import type { FlowTable } from '../flows/flowTable.ts';
import { grown } from '../structures/grownArray.ts';
import { DIR_INBOUND } from '../flows/localNetworks.ts';
import type { WindowAccumulator, WindowLimits } from './windowAccumulator.ts';
import { subdomainEntropy } from './dnsNameShape.ts';
import { DIRECTIONS, type L4Protocol } from '../windowStats.ts';

function l4Name(proto: number): L4Protocol {
  if (proto === IP_PROTO.TCP) return 'tcp';
  if (proto === IP_PROTO.UDP) return 'udp';
  if (proto === IP_PROTO.ICMP || proto === IP_PROTO.ICMPV6) return 'icmp';
  return 'other';
}

// Per-flow rows of 56 bytes, one or two cache lines a flow instead of one per field: five numbers
// (Float64: the window the flow started in, the last two windows it was counted active in, the
// window its cached entries are for, its initiator's address key), then four entry indexes (Int32,
// below).
const F_START_WIN = 0;
const F_LAST_WIN = 1;
const F_PREV_WIN = 2;
const F_CACHE_WIN = 3;
const F_INITIATOR_KEY = 4;
/** a row in Float64 words, and where the entries start in Int32 words */
const F_STRIDE = 7;
const E_AT = 10;
/** The entries a flow remembers for its cache window (FlowAccounting.entry), so that most packets need no lookup. */
export const ENTRY_INITIATOR_HOST = 0;
export const ENTRY_RESPONDER_HOST = 1;
/** its remote-endpoint entry */
export const ENTRY_REMOTE = 2;
/** its remote among those its local sender sent to (LocalHostAccumulator.remoteEntry) */
export const ENTRY_SENT_TO = 3;
// Per-flow bytes, side by side: direction code initiator → responder, service, a pending
// unanswered SYN, and the directions seen in F_CACHE_WIN (bit 0 from the initiator, bit 1 from
// the responder).
const B_DIR = 0;
const B_SERVICE = 1;
const B_SYN_PENDING = 2;
const B_DIR_SEEN = 3;
const B_STRIDE = 4;

export class FlowAccounting {
  /** per-flow rows: numbers at flow × F_STRIDE + F_*, entry indexes for the cache window at
   *  flow × 2 × F_STRIDE + E_AT + ENTRY_* (-1 = not looked up yet) */
  private f!: Float64Array;
  private e!: Int32Array;
  /** per-flow bytes: flow × B_STRIDE + B_* */
  private b: Uint8Array;

  constructor(private readonly table: FlowTable, private readonly limits: WindowLimits) {
    this.allocateRows(table.capacity);
    this.b = new Uint8Array(table.capacity * B_STRIDE);
  }

  private allocateRows(flows: number): void {
    const old = this.f;
    const rows = new ArrayBuffer(flows * F_STRIDE * 8);
    this.f = new Float64Array(rows);
    this.e = new Int32Array(rows);
    if (old !== undefined) this.f.set(old);
  }

  /** The flow's entry of kind ENTRY_* in its cache window (-1: not looked up yet; see noteDirection). */
  entry(flow: number, kind: number): number {
    return this.e[flow * 2 * F_STRIDE + E_AT + kind]!;
  }

  /** Remembers the flow's entry of kind ENTRY_* for its cache window; returns it. */
  setEntry(flow: number, kind: number, index: number): number {
    this.e[flow * 2 * F_STRIDE + E_AT + kind] = index;
    return index;
  }

  /** direction code initiator → responder */
  dir(flow: number): number {
    return this.b[flow * B_STRIDE + B_DIR]!;
  }

  service(flow: number): number {
    return this.b[flow * B_STRIDE + B_SERVICE]!;
  }

  synPending(flow: number): boolean {
    return this.b[flow * B_STRIDE + B_SYN_PENDING] === 1;
  }

  /**
   * Switches the flow's per-window cache to window `w` when needed; returns whether this is the
   * flow's first packet in this direction in the window.
   */
  noteDirection(flow: number, w: number, fromInitiator: boolean): boolean {
    const f = this.f;
    const at = flow * F_STRIDE;
    const seenAt = flow * B_STRIDE + B_DIR_SEEN;
    if (f[at + F_CACHE_WIN] !== w) {
      f[at + F_CACHE_WIN] = w;
      const e = this.e;
      const et = flow * 2 * F_STRIDE + E_AT;
      e[et + ENTRY_INITIATOR_HOST] = -1;
      e[et + ENTRY_RESPONDER_HOST] = -1;
      e[et + ENTRY_REMOTE] = -1;
      e[et + ENTRY_SENT_TO] = -1;
      this.b[seenAt] = 0;
    }
    const bit = fromInitiator ? 1 : 2;
    const seen = this.b[seenAt]!;
    if ((seen & bit) !== 0) return false;
    this.b[seenAt] = seen | bit;
    return true;
  }

  serverPort(flow: number): number {
    return this.table.serverPort(flow);
  }

  /**
   * The flow's first packet (sequence number `seq`, sent by the initiator when `fromInit`), in
   * window `acc`: direction code `fdir`, service `svc`, the initiator's address key.
   */
  start(flow: number, acc: WindowAccumulator, p: DecodedPacket, fromInit: boolean, fdir: number, svc: number, initiatorKey: number, seq: number): void {
    if (flow * F_STRIDE >= this.f.length) {
      // a growable flow table grew: follow its capacity
      this.allocateRows(this.table.capacity);
      this.b = grown(this.b, this.table.capacity * B_STRIDE);
    }
    const f = this.f;
    const at = flow * F_STRIDE;
    const bt = flow * B_STRIDE;
    this.b[bt + B_DIR] = fdir;
    this.b[bt + B_SERVICE] = svc;
    f[at + F_START_WIN] = acc.index;
    f[at + F_CACHE_WIN] = Number.NaN;
    f[at + F_LAST_WIN] = Number.NaN;
    f[at + F_PREV_WIN] = Number.NaN;
    f[at + F_INITIATOR_KEY] = initiatorKey;
    const syn = p.proto === IP_PROTO.TCP && p.hasPorts && (p.tcpFlags & 0x12) === 0x02 ? 1 : 0;
    this.b[bt + B_SYN_PENDING] = syn;
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
    acc.flowStartSeqs.push(seq);
    acc.flowStarts.push({
      ts: Math.floor(p.tsMs),
      direction: DIRECTIONS[fdir]!,
      proto: l4Name(p.proto),
      local: inbound ? responder : initiator,
      remote: inbound ? initiator : responder,
      port: this.table.serverPort(flow),
    });
  }

  /** Counts the flow as active in `acc` once; returns whether this packet is its first there. */
  markActive(flow: number, acc: WindowAccumulator): boolean {
    const w = acc.index;
    const f = this.f;
    const at = flow * F_STRIDE;
    const last = f[at + F_LAST_WIN]!;
    if (w === last || w === f[at + F_PREV_WIN]) return false;
    if (w > last || Number.isNaN(last)) {
      f[at + F_PREV_WIN] = last;
      f[at + F_LAST_WIN] = w;
    } else {
      f[at + F_PREV_WIN] = w;
    }
    const d = this.dir(flow);
    acc.dirs[d]!.flowsActive++;
    acc.svcFlows[this.service(flow)]!++;
    acc.remotePortSets[d]!.add(this.table.serverPort(flow));
    return true;
  }

  /** A SYN-ACK arrived: un-count the flow's unanswered SYN if its start window is still open. */
  resolveSyn(flow: number, open: readonly WindowAccumulator[]): boolean {
    const synAt = flow * B_STRIDE + B_SYN_PENDING;
    if (this.b[synAt] === 0) return false;
    this.b[synAt] = 0;
    const at = flow * F_STRIDE;
    for (const acc of open) {
      if (acc.index !== this.f[at + F_START_WIN]) continue;
      acc.dirs[this.dir(flow)]!.tcpSynUnanswered--;
      const host = acc.localHosts.get(this.f[at + F_INITIATOR_KEY]!);
      if (host >= 0) acc.hostList[host]!.tcpSynUnanswered--;
      return true;
    }
    return false;
  }

  /** Counts a DNS message (packet sequence number `seq`, address keys of its ends) in the window's DNS summary and names. */
  countDns(acc: WindowAccumulator, p: DecodedPacket, seq: number, srcKey: number, dstKey: number): void {
    const name = p.dnsName;
    if (!p.dnsResponse) {
      acc.dnsQueries++;
      acc.dnsNameLengthSum += name.length;
      if (name.length > acc.dnsNameLengthMax) acc.dnsNameLengthMax = name.length;
      const entropy = subdomainEntropy(name);
      acc.dnsEntropySum += entropy;
      acc.dnsEntropies?.push(seq, entropy);
      this.nameEntry(acc, p, srcKey, p.src, true, seq);
      return;
    }
    acc.dnsResponses++;
    if (p.dnsRcode === 3) {
      acc.dnsNxdomain++;
      this.nameEntry(acc, p, dstKey, p.dst, false, seq);
    }
  }

  private nameEntry(acc: WindowAccumulator, p: DecodedPacket, clientKey: number, client: Uint32Array, query: boolean, seq: number): void {
    const key = `${clientKey} ${p.dnsName}`;
    let e = acc.dnsNames.get(key);
    if (!e) {
      if (acc.dnsNames.size >= this.limits.dnsNames) {
        if (query) acc.dnsNamesDropped++;
        return;
      }
      e = { name: p.dnsName, client: addressText(p.network === NETWORK.IPV6, client), queries: 0, nxdomain: 0, qtype: p.dnsQtype };
      acc.dnsNames.set(key, e);
      acc.dnsNameSeqs?.set(key, seq);
    }
    if (query) e.queries++;
    else e.nxdomain++;
  }
}
