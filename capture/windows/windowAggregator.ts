// Cuts decoded packets into windows on packet (event) time and emits one WindowStats per window,
// by the window rule of windowSchedule.ts. A shard of a sharded pipeline counts its packets into
// the windows its dispatcher names (addTo) and hands each closed window over as a WindowShard.
import type { SourceCounters } from '../packet.ts';
import { emptyWindowStats, type WindowStats } from '../windowStats.ts';
import { IP_PROTO, NETWORK, type DecodedPacket } from '../decode/decodedPacket.ts';
import type { FlowTable, FlowTrack } from '../flows/flowTable.ts';
import { DIR_INBOUND, DIR_INTERNAL, DIR_OTHER, DIR_OUTBOUND, type LocalNetworks } from '../flows/localNetworks.ts';
import { SVC_OTHER, serviceOf } from '../flows/services.ts';
import { WindowAccumulator, type WindowLimits } from './windowAccumulator.ts';
import { FlowAccounting } from './flowAccounting.ts';
import { hostAccountPacket, type CountedPacket } from './hostAccounting.ts';
import { addressKey, addressText } from '../structures/addressText.ts';
import type { PassiveDnsNames } from '../evidence/passiveDnsNames.ts';
import { WindowSchedule } from './windowSchedule.ts';
import { windowShardOf, type DnsAnswerEvent, type WindowShard } from './windowShard.ts';

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
  /** a shard of a sharded pipeline: windows are named by the dispatcher (addTo) and closed into
   *  WindowShards (closeBefore); the DNS answers are logged for the merge (takeAnswers) */
  shard?: boolean;
}

/** The direction of the same traffic seen the other way round. */
function reverseDirection(dir: number): number {
  return dir === DIR_OUTBOUND ? DIR_INBOUND : dir === DIR_INBOUND ? DIR_OUTBOUND : dir;
}

/** What a shard hands over when the dispatcher closes windows. */
export interface ClosedShards {
  windows: WindowShard[];
  answers: DnsAnswerEvent[];
}

export class WindowAggregator {
  /** the open windows, oldest first */
  private readonly open: WindowAccumulator[] = [];
  /** accumulators of emitted windows, kept for reuse */
  private readonly spare: WindowAccumulator[] = [];
  private readonly schedule: WindowSchedule;
  private lastEvictions = 0;
  private lastDropped = 0;
  private lastIfDropped = 0;
  private readonly flows: FlowAccounting;
  private readonly shard: boolean;
  /** a shard's DNS answers since the last close */
  private answers: DnsAnswerEvent[] = [];
  /** the facts of the packet being counted, handed to the host accounting (one record, reused) */
  private readonly counted: CountedPacket = {
    flow: 0, seq: 0, dir: 0, fromInitiator: false, started: false, newlyActive: false, firstInDirection: false, srcKey: 0, dstKey: 0,
  };

  constructor(
    private readonly opts: WindowAggregatorOptions,
    private readonly table: FlowTable,
    private readonly emit: (w: WindowStats) => void,
    private readonly counters: () => SourceCounters,
  ) {
    this.flows = new FlowAccounting(table, opts.limits);
    this.shard = opts.shard ?? false;
    this.schedule = new WindowSchedule(opts.windowMs, opts.quietFlushMs, opts.maxGapWindows, {
      close: (index, byClock) => this.emitWindow(this.open.shift()!, index, byClock),
      gap: (index, byClock) => this.emitGap(index, byClock),
    });
    const c = counters();
    this.lastDropped = c.packetsDropped;
    this.lastIfDropped = c.packetsIfDropped;
  }

  /** most empty windows emitted for one gap (a live source lowers it) */
  set maxGapWindows(n: number) {
    this.schedule.maxGapWindows = n;
  }

  /**
   * Counts one decoded packet; `track` is what the flow table found for it (flow -1 for non-IP),
   * `seq` its sequence number in the capture. Returns its direction code.
   */
  add(p: DecodedPacket, track: FlowTrack, seq: number): number {
    const index = this.schedule.target(Math.floor(p.tsMs / this.opts.windowMs));
    const open = this.open;
    const last = open[open.length - 1];
    return this.count(last !== undefined && last.index === index ? last : this.openWindow(index), p, track, seq);
  }

  /** A shard: counts one decoded packet in window `index`, as its dispatcher's schedule decided. */
  addTo(index: number, p: DecodedPacket, track: FlowTrack, seq: number): number {
    return this.count(this.openWindow(index), p, track, seq);
  }

  /**
   * A shard: closes its windows older than `index` (the dispatcher closed them) and returns them,
   * oldest first, with the DNS answers counted since the last close (in packet order).
   */
  closeBefore(index: number): ClosedShards {
    const windows: WindowShard[] = [];
    const open = this.open;
    while (open.length > 0 && open[0]!.index < index) {
      const acc = open.shift()!;
      windows.push(windowShardOf(acc));
      this.spare.push(acc);
    }
    const answers = this.answers;
    this.answers = [];
    return { windows, answers };
  }

  /** The open window `index`, opened (in index order) when it is not. */
  private openWindow(index: number): WindowAccumulator {
    const open = this.open;
    let i = open.length;
    while (i > 0 && open[i - 1]!.index > index) i--;
    if (i > 0 && open[i - 1]!.index === index) return open[i - 1]!;
    const acc = this.accumulator(index);
    open.splice(i, 0, acc);
    return acc;
  }

  private count(acc: WindowAccumulator, p: DecodedPacket, track: FlowTrack, seq: number): number {
    const flow = track.flow;
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
    const fromInit = track.fromInitiator;
    const v6 = p.network === NETWORK.IPV6;
    const srcKey = addressKey(v6, p.src);
    const dstKey = addressKey(v6, p.dst);
    let pdir: number;
    if (track.isNew) {
      // locality is a fact of the flow's two addresses: looked up once per flow, not per packet
      pdir = this.opts.localNets.direction(v6, p.src, p.dst);
      const fdir = fromInit ? pdir : reverseDirection(pdir);
      fa.start(flow, acc, p, fromInit, fdir, serviceOf(p.proto, this.table.serverPort(flow)), fromInit ? srcKey : dstKey, seq);
    } else {
      const fdir = fa.dir(flow);
      pdir = fromInit ? fdir : reverseDirection(fdir);
    }
    const ds = acc.dirs[pdir]!;
    ds.packets++;
    ds.bytes += len;
    const newlyActive = fa.markActive(flow, acc);
    const svc = fa.service(flow);
    acc.svcPackets[svc]!++;
    acc.svcBytes[svc]! += len;

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
        if (p.dnsAnswers > 0) this.learnAnswers(acc, p, seq);
      } else {
        ds.dnsQueries++;
      }
      fa.countDns(acc, p, seq, srcKey, dstKey);
    }
    const c = this.counted;
    c.flow = flow;
    c.seq = seq;
    c.dir = pdir;
    c.fromInitiator = fromInit;
    c.started = track.isNew;
    c.newlyActive = newlyActive;
    c.firstInDirection = firstInDirection;
    c.srcKey = srcKey;
    c.dstKey = dstKey;
    hostAccountPacket(acc, p, c, fa, limits);
    return pdir;
  }

  /**
   * Passive DNS: each answered address gets the name that was asked for. A shard logs the answers
   * instead: the pipeline's one name table learns them in packet order from every shard.
   */
  private learnAnswers(acc: WindowAccumulator, p: DecodedPacket, seq: number): void {
    const names = this.opts.names;
    if (names === null) return;
    const words = p.dnsAnswerWords;
    for (let i = 0; i < p.dnsAnswers; i++) {
      const address = addressText(p.dnsAnswerV6[i] === 1, words.subarray(i * 4, i * 4 + 4));
      if (this.shard) {
        this.answers.push({ seq, window: acc.index, tsMs: p.tsMs, address, name: p.dnsName });
        continue;
      }
      names.learn(address, p.dnsName, p.tsMs);
      acc.addDnsAnswer(address, p.dnsName, this.opts.limits.dnsAnswers);
    }
  }

  private accumulator(index: number): WindowAccumulator {
    const acc = this.spare.pop();
    if (!acc) return new WindowAccumulator(index, index * this.opts.windowMs, this.opts.windowMs, this.opts.limits.distinct, this.shard);
    acc.reuseFor(index, index * this.opts.windowMs);
    return acc;
  }

  private emitWindow(acc: WindowAccumulator, index: number, byClock: boolean): void {
    if (acc.index !== index) throw new Error(`window ${index} closed while window ${acc.index} was the oldest open one`);
    const w = acc.toStats(this.opts.sensor, this.opts.limits.topK, this.opts.names);
    w.flushedByClock = byClock;
    this.fillHealth(w);
    this.spare.push(acc);
    this.emit(w);
  }

  private emitGap(index: number, byClock: boolean): void {
    const w = emptyWindowStats(this.opts.sensor, index * this.opts.windowMs, this.opts.windowMs);
    w.flushedByClock = byClock;
    this.fillHealth(w);
    this.emit(w);
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
    this.schedule.flushIdle(nowWallMs);
  }

  /** Emits every open window (end of the input). */
  flushAll(): void {
    this.schedule.flushAll();
  }
}
