// The capture pipeline on several cores: this thread reads the source and dispatches each packet,
// copied once into a shared-memory ring, to the worker of its shard (packetShard.ts); each worker
// keeps the flow table and window accumulators of its shard. The window rule runs here, on every
// packet, so that all shards close the same windows at the same point of the packet stream; the
// shards' parts of each closed window are merged (windows/windowMerge.ts) into the WindowStats a
// single pipeline emits for the same packets, and the passive DNS table learns here, in packet order.
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { PacketRecord, PacketSource, SourceCounters } from '../packet.ts';
import { DIRECTIONS, emptyWindowStats, type Direction, type WindowStats } from '../windowStats.ts';
import type { CaptureTotals, PipelineOptions } from '../pipeline.ts';
import { DEFAULT_FLOW_CAPACITY } from '../flows/flowTable.ts';
import { DEFAULT_LOCAL_NETS, LocalNetworks } from '../flows/localNetworks.ts';
import { DEFAULT_WINDOW_LIMITS, type WindowLimits } from '../windows/windowAccumulator.ts';
import { WindowSchedule } from '../windows/windowSchedule.ts';
import { mergeWindowShards, type MergedDnsAnswers } from '../windows/windowMerge.ts';
import type { WindowShard } from '../windows/windowShard.ts';
import { MAX_REMOTES } from '../windows/windowAddresses.ts';
import { DEFAULT_PASSIVE_DNS_CAPACITY, PassiveDnsNames } from '../evidence/passiveDnsNames.ts';
import type { PacketRing } from '../evidence/packetRing.ts';
import { PacketSharding } from './packetShard.ts';
import { allocateShardRing, RECORD_CLOSE, RECORD_END, RECORD_PACKET, ShardRingWriter, type ShardRecordInfo } from './shardRing.ts';
import type { ShardClosed, ShardEnded, ShardWorkerData } from './shardWorker.ts';

/** shared memory per shard ring (default): about 2,700 full-size packets, 30,000 small ones (1 and 8 MiB measured the same) */
export const DEFAULT_SHARD_RING_BYTES = 4 << 20;

export interface ShardedPipelineOptions extends PipelineOptions {
  /** worker threads, each with its shard of the traffic (at least 2; one worker is the plain pipeline) */
  workers: number;
  /** shared memory per shard ring, bytes */
  ringBytes?: number;
}

interface Emission {
  index: number;
  byClock: boolean;
  gap: boolean;
}

/** The windows one close of the schedule emits, waiting for every shard's report. */
interface ClosePlan {
  emissions: Emission[];
  counters: SourceCounters;
  reports: ShardClosed[];
}

const NO_COUNTERS: SourceCounters = { packetsDropped: 0, packetsIfDropped: 0 };

let workerScript: string | null = null;

/**
 * The worker's code, bundled into one script once per process (about 0.1 s): a worker thread does
 * not inherit the TypeScript loader, and loading the capture modules through it in each worker
 * cost about 0.35 s of CPU per worker and a loader thread each.
 */
function shardWorkerScript(): string {
  workerScript ??= buildSync({
    entryPoints: [new URL('./shardWorker.ts', import.meta.url).pathname],
    bundle: true, format: 'cjs', platform: 'node', target: 'node20', write: false, logLevel: 'silent',
  }).outputFiles[0]!.text;
  return workerScript;
}

export class ShardedPipeline {
  /** passive DNS: the names A/AAAA answers gave addresses (null when turned off) */
  readonly names: PassiveDnsNames | null;
  private readonly shards: number;
  private readonly windowMs: number;
  private readonly limits: WindowLimits;
  private readonly sharding: PacketSharding;
  private readonly schedule: WindowSchedule;
  private readonly maxGapLive: number;
  private readonly ring: PacketRing | null;
  private readonly workerOptions: PipelineOptions;
  private readonly ringBytes: number;
  private writers: ShardRingWriter[] = [];
  private workers: Worker[] = [];
  private source: PacketSource | null = null;
  /** per shard: the latest time of the other shards' IP packets since its last record */
  private readonly pendingClock: Float64Array;
  private readonly info: ShardRecordInfo = { kind: RECORD_PACKET, seq: 0, window: 0, clockMs: -Infinity, closeBefore: Number.NaN, marker: 0 };
  /** emissions the schedule decided during the current packet or flush */
  private emissions: Emission[] = [];
  private nextMarker = 0;
  private readonly plans = new Map<number, ClosePlan>();
  private nextPlanToEmit = 0;
  /** the DNS answers of each open window, replayed in packet order */
  private readonly answerLists = new Map<number, MergedDnsAnswers>();
  private lastDropped = 0;
  private lastIfDropped = 0;
  private publishQueued = false;
  private readonly publishAll = (): void => {
    this.publishQueued = false;
    for (const w of this.writers) w.publish(true);
  };
  private packets = 0;
  private readonly ended: CaptureTotals[] = [];
  private failure: Error | null = null;
  private onFailure: ((err: Error) => void) | null = null;
  private onAllEnded: (() => void) | null = null;
  private readonly onPacket = (rec: PacketRecord): void => this.dispatch(rec);

  constructor(private readonly opts: ShardedPipelineOptions, private readonly onWindow: (w: WindowStats) => void) {
    if (!(Number.isInteger(opts.workers) && opts.workers >= 2)) throw new Error(`a sharded pipeline needs at least 2 workers (got ${opts.workers})`);
    this.shards = opts.workers;
    this.windowMs = opts.windowMs ?? 1000;
    if (!(this.windowMs > 0)) throw new Error(`window length must be greater than 0 ms (got ${this.windowMs})`);
    const localNets = opts.localNets ?? [...DEFAULT_LOCAL_NETS];
    this.sharding = new PacketSharding(this.shards, new LocalNetworks(localNets));
    this.limits = { ...DEFAULT_WINDOW_LIMITS, ...opts.limits, topK: opts.topK ?? DEFAULT_WINDOW_LIMITS.topK };
    if (this.limits.remotes > MAX_REMOTES) {
      throw new Error(`at most ${MAX_REMOTES} remote endpoints can be tracked per window (got ${this.limits.remotes})`);
    }
    const namesCapacity = opts.passiveDnsCapacity ?? DEFAULT_PASSIVE_DNS_CAPACITY;
    this.names = namesCapacity > 0 ? new PassiveDnsNames(namesCapacity) : null;
    this.ring = opts.packetRing ?? null;
    this.maxGapLive = opts.maxGapWindows ?? 3_600;
    this.schedule = new WindowSchedule(this.windowMs, opts.quietFlushMs ?? this.windowMs + 1000, opts.maxGapWindows ?? 1_000_000, {
      close: (index, byClock) => this.emissions.push({ index, byClock, gap: false }),
      gap: (index, byClock) => this.emissions.push({ index, byClock, gap: true }),
    });
    this.pendingClock = new Float64Array(this.shards).fill(-Infinity);
    // each shard's table holds its share of the flows, with room for a slightly uneven share
    const capacity = Math.ceil(((opts.flowCapacity ?? DEFAULT_FLOW_CAPACITY) * 1.02) / this.shards);
    const { packetRing: _ring, workers: _workers, ringBytes: _ringBytes, ...rest } = opts;
    this.workerOptions = { ...rest, localNets, flowCapacity: capacity };
    this.ringBytes = opts.ringBytes ?? DEFAULT_SHARD_RING_BYTES;
  }

  /**
   * Reads `source` to its end (or stop()) through the workers, then emits every window still
   * open. A source error is re-thrown after the windows before it have been emitted; a worker
   * that fails ends the run with its error.
   */
  async run(source: PacketSource): Promise<void> {
    this.source = source;
    this.startWorkers();
    const failed = new Promise<never>((_, reject) => {
      this.onFailure = reject;
      if (this.failure) reject(this.failure);
    });
    failed.catch(() => {});
    let timer: NodeJS.Timeout | null = null;
    if (source.live) {
      this.schedule.maxGapWindows = this.maxGapLive;
      timer = setInterval(() => this.flushIdle(Date.now()), Math.min(this.windowMs, 1000));
    }
    try {
      await Promise.race([source.run(this.onPacket), failed]);
    } finally {
      if (timer) clearInterval(timer);
      this.finish();
      const allEnded = new Promise<void>((resolve) => {
        this.onAllEnded = resolve;
        if (this.ended.length === this.shards) resolve();
      });
      try {
        await Promise.race([allEnded, failed]);
      } finally {
        await Promise.all(this.workers.map((w) => w.terminate()));
      }
    }
  }

  stop(): void {
    this.source?.stop();
  }

  /** Closes windows on the wall clock, as the live timer does. */
  flushIdle(nowWallMs: number): void {
    this.schedule.flushIdle(nowWallMs);
    this.closeAll();
  }

  /** Totals of the capture, once run() has ended. */
  totals(): CaptureTotals {
    const directions = {} as Record<Direction, { packets: number; bytes: number }>;
    for (const d of DIRECTIONS) directions[d] = { packets: 0, bytes: 0 };
    const t: CaptureTotals = {
      packets: 0, bytes: 0, capturedBytes: 0, flows: 0, flowEvictions: 0, flowsByProtocol: { tcp: 0, udp: 0, icmp: 0, other: 0 },
      decodeErrors: 0, firstTs: null, lastTs: null, directions,
    };
    for (const e of this.ended) {
      t.packets += e.packets; t.bytes += e.bytes; t.capturedBytes += e.capturedBytes; t.flows += e.flows;
      t.flowEvictions += e.flowEvictions; t.decodeErrors += e.decodeErrors;
      t.flowsByProtocol.tcp += e.flowsByProtocol.tcp; t.flowsByProtocol.udp += e.flowsByProtocol.udp;
      t.flowsByProtocol.icmp += e.flowsByProtocol.icmp; t.flowsByProtocol.other += e.flowsByProtocol.other;
      if (e.firstTs !== null && (t.firstTs === null || e.firstTs < t.firstTs)) t.firstTs = e.firstTs;
      if (e.lastTs !== null && (t.lastTs === null || e.lastTs > t.lastTs)) t.lastTs = e.lastTs;
      for (const d of DIRECTIONS) {
        directions[d].packets += e.directions[d].packets;
        directions[d].bytes += e.directions[d].bytes;
      }
    }
    return t;
  }

  private startWorkers(): void {
    const script = shardWorkerScript();
    for (let shard = 0; shard < this.shards; shard++) {
      const ring = allocateShardRing(this.ringBytes);
      this.writers.push(new ShardRingWriter(ring));
      const data: ShardWorkerData = { shard, pipeline: this.workerOptions, ring };
      // a worker's per-packet path allocates next to nothing (its tables are typed arrays): a small
      // young generation saves about 10 MB a worker, measured without a change in CPU time
      const worker = new Worker(script, { eval: true, workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
      worker.on('message', (msg: ShardClosed | ShardEnded) => this.onShardMessage(msg));
      worker.on('error', (err) => this.fail(new Error(`capture worker ${shard} failed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (code !== 0 && this.ended.length < this.shards) this.fail(new Error(`capture worker ${shard} exited with status ${code}`));
      });
      this.workers.push(worker);
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.source?.stop();
    this.onFailure?.(err);
  }

  private dispatch(rec: PacketRecord): void {
    if (this.failure) return;
    const seq = this.packets++;
    if (this.ring !== null) this.ring.add(rec);
    const shard = this.sharding.shardOf(rec);
    const tsMs = rec.tsSec * 1000 + rec.tsNsec / 1e6;
    const window = this.schedule.target(Math.floor(tsMs / this.windowMs));
    const clock = this.pendingClock;
    const info = this.info;
    info.kind = RECORD_PACKET;
    info.seq = seq;
    info.window = window;
    info.clockMs = clock[shard]!;
    clock[shard] = -Infinity;
    info.closeBefore = Number.NaN;
    // an IP packet expires flows in every table (a single pipeline has one): the others follow its time
    if (this.sharding.ip) {
      for (let s = 0; s < this.shards; s++) if (s !== shard && tsMs > clock[s]!) clock[s] = tsMs;
    }
    if (this.emissions.length > 0) {
      info.closeBefore = this.closeBefore();
      const marker = this.plan();
      info.marker = marker;
      this.writers[shard]!.write(info, rec);
      this.closeOthers(shard, marker, info.closeBefore);
    } else {
      this.writers[shard]!.write(info, rec);
    }
    if (!this.publishQueued) {
      this.publishQueued = true;
      queueMicrotask(this.publishAll);
    }
  }

  /** The index the shards close their windows before: one past the last window emitted. */
  private closeBefore(): number {
    return this.emissions[this.emissions.length - 1]!.index + 1;
  }

  /** Records the current emissions as a close plan; returns its marker. */
  private plan(): number {
    const marker = this.nextMarker++;
    this.plans.set(marker, { emissions: this.emissions, counters: this.source?.counters() ?? NO_COUNTERS, reports: [] });
    this.emissions = [];
    return marker;
  }

  private closeOthers(except: number, marker: number, closeBefore: number): void {
    const info = this.info;
    for (let s = 0; s < this.shards; s++) {
      if (s === except) continue;
      info.kind = RECORD_CLOSE;
      info.marker = marker;
      info.closeBefore = closeBefore;
      info.clockMs = this.pendingClock[s]!;
      this.pendingClock[s] = -Infinity;
      this.writers[s]!.write(info, null);
    }
  }

  /** Sends the emissions decided outside a packet (wall clock, end of input) to every shard. */
  private closeAll(): void {
    if (this.emissions.length === 0) return;
    const closeBefore = this.closeBefore();
    this.closeOthers(-1, this.plan(), closeBefore);
    this.publishAll();
  }

  private finish(): void {
    if (this.failure) return;
    this.schedule.flushAll();
    this.closeAll();
    const info = this.info;
    info.kind = RECORD_END;
    info.clockMs = -Infinity;
    for (const w of this.writers) w.write(info, null);
    this.publishAll();
  }

  private onShardMessage(msg: ShardClosed | ShardEnded): void {
    if (msg.type === 'ended') {
      this.ended.push(msg.totals);
      if (this.ended.length === this.shards) this.onAllEnded?.();
      return;
    }
    const plan = this.plans.get(msg.marker);
    if (plan === undefined) {
      this.fail(new Error(`capture worker ${msg.shard} reported an unknown close (${msg.marker})`));
      return;
    }
    plan.reports.push(msg);
    for (;;) {
      const next = this.plans.get(this.nextPlanToEmit);
      if (next === undefined || next.reports.length < this.shards) return;
      this.plans.delete(this.nextPlanToEmit++);
      try {
        this.emitPlan(next);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
    }
  }

  private emitPlan(plan: ClosePlan): void {
    const byIndex = new Map<number, WindowShard[]>();
    let evictions = 0;
    let tracked = 0;
    const answers = [];
    for (const r of plan.reports) {
      evictions += r.evictions;
      tracked += r.flowsTracked;
      for (const a of r.answers) answers.push(a);
      for (const w of r.windows) {
        const list = byIndex.get(w.index);
        if (list === undefined) byIndex.set(w.index, [w]);
        else list.push(w);
      }
    }
    answers.sort((a, b) => a.seq - b.seq);
    for (const a of answers) {
      this.names?.learn(a.address, a.name, a.tsMs);
      let list = this.answerLists.get(a.window);
      if (list === undefined) {
        list = { answers: new Map(), dropped: 0 };
        this.answerLists.set(a.window, list);
      }
      if (list.answers.has(a.address) || list.answers.size < this.limits.dnsAnswers) list.answers.set(a.address, a.name);
      else list.dropped++;
    }
    const mergeOpts = { sensor: this.opts.sensor, windowMs: this.windowMs, limits: this.limits, names: this.names };
    for (const e of plan.emissions) {
      let w: WindowStats;
      if (e.gap) {
        w = emptyWindowStats(this.opts.sensor, e.index * this.windowMs, this.windowMs);
      } else {
        w = mergeWindowShards(e.index, byIndex.get(e.index) ?? [], this.answerLists.get(e.index) ?? null, mergeOpts);
        this.answerLists.delete(e.index);
      }
      w.flushedByClock = e.byClock;
      const h = w.health;
      const c = plan.counters;
      h.packetsDropped = Math.max(0, c.packetsDropped - this.lastDropped);
      h.packetsIfDropped = Math.max(0, c.packetsIfDropped - this.lastIfDropped);
      this.lastDropped = c.packetsDropped;
      this.lastIfDropped = c.packetsIfDropped;
      h.flowEvictions = evictions;
      evictions = 0;
      h.flowsTracked = tracked;
      const total = h.packetsSeen + h.packetsDropped;
      h.lossRatio = total > 0 ? h.packetsDropped / total : 0;
      this.onWindow(w);
    }
  }
}
