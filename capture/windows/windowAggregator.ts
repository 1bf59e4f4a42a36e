// Cuts decoded packets into windows on packet (event) time and emits one WindowStats per window.
//
// Window rule: window i covers [i·W, (i+1)·W) ms since the epoch. The newest window and the one
// before it stay open (one window of out-of-order grace); a packet beyond them closes every older
// window. A packet for a window already closed is counted in the oldest open window, so totals stay
// exact. On a quiet live link flushIdle() closes windows on the wall clock (flushedByClock = true).
// Windows without packets between two emitted ones are emitted empty (bounded by maxGapWindows).
import type { SourceCounters } from '../packet.ts';
import { emptyWindowStats, type WindowStats } from '../windowStats.ts';
import { IP_PROTO, NETWORK, type DecodedPacket } from '../decode/decodedPacket.ts';
import type { FlowTable } from '../flows/flowTable.ts';
import { DIR_INBOUND, DIR_INTERNAL, DIR_OTHER, DIR_OUTBOUND, type LocalNetworks } from '../flows/localNetworks.ts';
import { SVC_OTHER, serviceOf } from '../flows/services.ts';
import { WindowAccumulator, type WindowLimits } from './windowAccumulator.ts';
import { FlowAccounting } from './flowAccounting.ts';
import { hostAccountPacket } from './hostAccounting.ts';
import { addressText } from '../structures/addressText.ts';
import type { PassiveDnsNames } from '../evidence/passiveDnsNames.ts';

export interface WindowAggregatorOptions {
  sensor: string;
  windowMs: number;
  localNets: LocalNetworks;
  limits: WindowLimits;
  /** most empty windows emitted for one gap between packets */
  maxGapWindows: number;
  /** a window is closed by the wall clock this long after its end when no later packet closed it */
  quietFlushMs: number;
  /** passive DNS: learns from A/AAAA answers, names the top remote endpoints (null: off) */
  names: PassiveDnsNames | null;
}

/** The direction of the same traffic seen the other way round. */
function reverseDirection(dir: number): number {
  return dir === DIR_OUTBOUND ? DIR_INBOUND : dir === DIR_INBOUND ? DIR_OUTBOUND : dir;
}

export class WindowAggregator {
  private readonly open: WindowAccumulator[] = [];
  /** accumulators of emitted windows, kept for reuse */
  private readonly spare: WindowAccumulator[] = [];
  /** index of the next window to emit; NaN before the first packet */
  private nextToEmit = Number.NaN;
  private lastEvictions = 0;
  private lastDropped = 0;
  private lastIfDropped = 0;
  private readonly flows: FlowAccounting;

  constructor(
    private readonly opts: WindowAggregatorOptions,
    private readonly table: FlowTable,
    private readonly emit: (w: WindowStats) => void,
    private readonly counters: () => SourceCounters,
  ) {
    this.flows = new FlowAccounting(table, opts.limits);
    const c = counters();
    this.lastDropped = c.packetsDropped;
    this.lastIfDropped = c.packetsIfDropped;
  }

  /** Counts one decoded packet; `flow` is its index in the flow table (-1 for non-IP). Returns its direction code. */
  add(p: DecodedPacket, flow: number): number {
    const acc = this.windowFor(Math.floor(p.tsMs / this.opts.windowMs));
    acc.packetsSeen++;
    if (p.malformed) acc.decodeErrors++;
    const len = p.wireLen;
    if (flow < 0 || (p.network !== NETWORK.IPV4 && p.network !== NETWORK.IPV6)) {
      const other = acc.dirs[DIR_OTHER]!;
      other.packets++;
      other.bytes += len;
      acc.svcPackets[SVC_OTHER]!++;
      acc.svcBytes[SVC_OTHER]! += len;
      return DIR_OTHER;
    }
    const limits = this.opts.limits;
    const fa = this.flows;
    const fromInit = this.table.fromInitiator;
    let pdir: number;
    fa.setKeys(p);
    fa.justStarted = false;
    if (this.table.isNew) {
      // locality is a fact of the flow's two addresses: looked up once per flow, not per packet
      pdir = this.opts.localNets.direction(p.network === NETWORK.IPV6, p.src, p.dst);
      fa.start(flow, acc, p, fromInit ? pdir : reverseDirection(pdir), serviceOf(p.proto, this.table.serverPort(flow)));
    } else {
      const fdir = fa.dir(flow);
      pdir = fromInit ? fdir : reverseDirection(fdir);
    }
    const ds = acc.dirs[pdir]!;
    ds.packets++;
    ds.bytes += len;
    fa.markActive(flow, acc);
    const svc = fa.service(flow);
    acc.svcPackets[svc]!++;
    acc.svcBytes[svc]! += len;

    const srcKey = fa.srcKey;
    const dstKey = fa.dstKey;
    const firstInDirection = fa.noteDirection(flow, acc.index, fromInit);
    if (firstInDirection) {
      const addrs = acc.addresses;
      if (pdir === DIR_OUTBOUND) addrs.countDirection(dstKey, pdir);
      else if (pdir === DIR_INBOUND) addrs.countDirection(srcKey, pdir);
      else if (pdir === DIR_INTERNAL) addrs.countDirection(fromInit ? dstKey : srcKey, pdir); // the responder
      else {
        addrs.countDirection(srcKey, pdir);
        addrs.countDirection(dstKey, pdir);
      }
    }

    if (p.proto === IP_PROTO.TCP && p.hasPorts) {
      const f = p.tcpFlags;
      if ((f & 0x12) === 0x02) ds.tcpSyn++;
      else if ((f & 0x12) === 0x12) {
        ds.tcpSynAck++;
        fa.resolveSyn(flow, this.open);
      }
      if ((f & 0x04) !== 0) ds.tcpRst++;
    } else if ((p.proto === IP_PROTO.ICMP && p.icmpType === 3) || (p.proto === IP_PROTO.ICMPV6 && p.icmpType === 1)) {
      ds.icmpUnreachable++;
    }
    if (p.dns) {
      if (p.dnsResponse) {
        ds.dnsResponses++;
        if (p.dnsRcode === 3) ds.dnsNxdomain++;
        if (p.dnsAnswers > 0) this.learnAnswers(acc, p);
      } else {
        ds.dnsQueries++;
      }
      fa.countDns(acc, p);
    }
    hostAccountPacket(acc, p, pdir, fa, flow, limits, fromInit, firstInDirection);
    return pdir;
  }

  /** Passive DNS: each answered address gets the name that was asked for. */
  private learnAnswers(acc: WindowAccumulator, p: DecodedPacket): void {
    const names = this.opts.names;
    if (names === null) return;
    const words = p.dnsAnswerWords;
    for (let i = 0; i < p.dnsAnswers; i++) {
      const address = addressText(p.dnsAnswerV6[i] === 1, words.subarray(i * 4, i * 4 + 4));
      names.learn(address, p.dnsName, p.tsMs);
      acc.addDnsAnswer(address, p.dnsName, this.opts.limits.dnsAnswers);
    }
  }

  private windowFor(index: number): WindowAccumulator {
    const open = this.open;
    const n = open.length;
    if (n > 0) {
      const last = open[n - 1]!;
      if (index === last.index) return last;
      if (index > last.index) return this.advanceTo(index);
      for (let i = n - 1; i >= 0; i--) if (open[i]!.index === index) return open[i]!;
      // within the grace window but not yet open (it was an empty gap): open it in order
      if (index === last.index - 1 && index >= this.nextToEmit) {
        const acc = this.accumulator(index);
        open.splice(n - 1, 0, acc);
        return acc;
      }
      return open[0]!;
    }
    if (Number.isNaN(this.nextToEmit)) this.nextToEmit = index;
    const at = Math.max(index, this.nextToEmit);
    const acc = this.accumulator(at);
    open.push(acc);
    return acc;
  }

  private advanceTo(index: number): WindowAccumulator {
    const open = this.open;
    while (open.length > 0 && open[0]!.index < index - 1) this.emitWindow(open.shift()!, false);
    const acc = this.accumulator(index);
    open.push(acc);
    return acc;
  }

  private accumulator(index: number): WindowAccumulator {
    const acc = this.spare.pop();
    if (!acc) return new WindowAccumulator(index, index * this.opts.windowMs, this.opts.windowMs, this.opts.limits.distinct);
    acc.reuseFor(index, index * this.opts.windowMs);
    return acc;
  }

  private emitWindow(acc: WindowAccumulator, byClock: boolean): void {
    this.emitGapUntil(acc.index, byClock);
    const w = acc.toStats(this.opts.sensor, this.opts.limits.topK, this.opts.names);
    w.flushedByClock = byClock;
    this.fillHealth(w);
    this.nextToEmit = acc.index + 1;
    this.spare.push(acc);
    this.emit(w);
  }

  /** Emits empty windows from nextToEmit up to (not including) `index`, at most maxGapWindows of them. */
  private emitGapUntil(index: number, byClock: boolean): void {
    if (Number.isNaN(this.nextToEmit) || index <= this.nextToEmit) return;
    const from = Math.max(this.nextToEmit, index - this.opts.maxGapWindows);
    for (let i = from; i < index; i++) {
      const w = emptyWindowStats(this.opts.sensor, i * this.opts.windowMs, this.opts.windowMs);
      w.flushedByClock = byClock;
      this.fillHealth(w);
      this.emit(w);
    }
    this.nextToEmit = index;
  }

  private fillHealth(w: WindowStats): void {
    const c = this.counters();
    const h = w.health;
    h.packetsDropped = Math.max(0, c.packetsDropped - this.lastDropped);
    h.packetsIfDropped = Math.max(0, c.packetsIfDropped - this.lastIfDropped);
    this.lastDropped = c.packetsDropped;
    this.lastIfDropped = c.packetsIfDropped;
    h.flowEvictions = this.table.evictions - this.lastEvictions;
    this.lastEvictions = this.table.evictions;
    h.flowsTracked = this.table.size;
    const total = h.packetsSeen + h.packetsDropped;
    h.lossRatio = total > 0 ? h.packetsDropped / total : 0;
  }

  /** Closes, on the wall clock, every window that ended more than quietFlushMs before `nowWallMs`. */
  flushIdle(nowWallMs: number): void {
    if (Number.isNaN(this.nextToEmit)) return;
    const limit = Math.floor((nowWallMs - this.opts.quietFlushMs) / this.opts.windowMs);
    while (this.open.length > 0 && this.open[0]!.index < limit) this.emitWindow(this.open.shift()!, true);
    if (this.open.length === 0) this.emitGapUntil(limit, true);
  }

  /** Emits every open window (end of the input). */
  flushAll(): void {
    while (this.open.length > 0) this.emitWindow(this.open.shift()!, false);
  }
}
