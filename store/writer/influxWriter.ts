// InfluxWriter: batches points, keeps several writes in flight, backs off with jitter, and never
// loses an accepted point while the disk limit holds: when InfluxDB is slow or down, batches go
// to the spool on disk and are replayed (oldest first) once it answers again — also after a
// restart, since the spool is read back at start. Points carry explicit timestamps, so a point
// written twice overwrites itself.
import { join } from 'node:path';
import type { InfluxEndpoint } from '../connection.ts';
import { toLine, type PointTarget, type StorePoint } from '../point.ts';
import { measurementSpec } from '../schema.ts';
import { LineProtocolPoster, WriteFailure } from './httpWrite.ts';
import { Spool } from './spool.ts';
import { SpoolReplay, type Batch } from './spoolReplay.ts';

export interface WriterCounters {
  /** points held in memory (building batches, queued, in flight) */
  queued: number;
  /** points held in the spool on disk */
  spooled: number;
  /** points InfluxDB acknowledged (a replayed point counts again) */
  written: number;
  /** points whose write failed and that will be sent again */
  retried: number;
  /** points lost because the spool reached its disk limit */
  dropped: number;
  /** points InfluxDB refused as malformed (HTTP 400); a bug, never expected */
  rejected: number;
  /** points ever appended to the spool */
  spooledTotal: number;
}

export type WriterLogLevel = 'info' | 'warn' | 'error';

export interface InfluxWriterOptions {
  endpoint: InfluxEndpoint;
  database: string;
  /** RP per target; undefined writes to the database's default RP */
  retentionPolicies: Record<PointTarget, string | undefined>;
  /** the spool directory (var/spool/<sensor>) */
  spoolDir: string;
  /** points per write request */
  batchSize?: number;
  /** a partly filled batch is sent after this long */
  flushIntervalMs?: number;
  maxInFlight?: number;
  /** past this many points in memory, new batches go to the spool */
  maxQueuedPoints?: number;
  /** spool disk limit; beyond it points are dropped and counted */
  spoolMaxBytes?: number;
  requestTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  log?: (level: WriterLogLevel, message: string) => void;
}

const TARGETS: readonly PointTarget[] = ['raw', 'events'];

export class InfluxWriter {
  private readonly opts: Required<Omit<InfluxWriterOptions, 'log'>> & Pick<InfluxWriterOptions, 'log'>;
  private readonly poster: LineProtocolPoster;
  private readonly spool: Spool;
  private readonly building: Record<PointTarget, string[]> = { raw: [], events: [] };
  private readonly queue: Batch[] = [];
  private readonly inFlight = new Set<Batch>();
  private readonly replay: SpoolReplay;
  /** while true, new batches go to the spool so the spool drains in order */
  private spooling = false;
  private failures = 0;
  private resumeAt = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private memoryPoints = 0;
  private rejectedBatches = 0;
  private readonly c: Omit<WriterCounters, 'queued' | 'spooled'> = {
    written: 0, retried: 0, dropped: 0, rejected: 0, spooledTotal: 0,
  };
  /** the last write failure, for health reporting */
  lastError: string | undefined;

  constructor(options: InfluxWriterOptions) {
    // An option given as undefined means "the default", not "unbounded".
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as InfluxWriterOptions;
    this.opts = {
      batchSize: 5_000, flushIntervalMs: 1_000, maxInFlight: 4, maxQueuedPoints: 100_000,
      spoolMaxBytes: 1024 ** 3, requestTimeoutMs: 10_000, backoffBaseMs: 200, backoffMaxMs: 30_000,
      ...given,
    };
    this.poster = new LineProtocolPoster(options.endpoint, options.database, this.opts.maxInFlight + 1, this.opts.requestTimeoutMs);
    this.spool = new Spool(options.spoolDir, this.opts.spoolMaxBytes);
    this.replay = new SpoolReplay(this.spool, this.opts.batchSize);
    if (!this.spool.isEmpty) {
      this.spooling = true;
      this.log('info', `spool ${options.spoolDir} holds ${this.spool.lines} points from an earlier run; replaying them`);
      queueMicrotask(() => this.pump());
    }
  }

  get counters(): WriterCounters {
    return { ...this.c, queued: this.memoryPoints, spooled: this.spool.lines };
  }

  /** Accepts points; never blocks. Points are written in the background. */
  write(points: readonly StorePoint[]): void {
    if (this.closed) throw new Error('InfluxWriter: write after close');
    for (const p of points) {
      const line = toLine(p);
      if (line === undefined) continue;
      const target: PointTarget = measurementSpec(p.measurement)?.events ? 'events' : 'raw';
      this.addLine(target, line);
    }
  }

  /** Accepts ready line protocol (precision ns) for one target. */
  writeLines(target: PointTarget, lines: readonly string[]): void {
    if (this.closed) throw new Error('InfluxWriter: write after close');
    for (const line of lines) this.addLine(target, line);
  }

  /**
   * Sends everything accepted so far; resolves true once it is all in InfluxDB, false when
   * timeoutMs passed first (what is left stays queued or spooled).
   */
  async flush(timeoutMs = Infinity): Promise<boolean> {
    for (const t of TARGETS) this.seal(t);
    this.pump();
    if (this.isIdle()) return true;
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => { if (timer) clearTimeout(timer); resolve(true); };
      this.idleWaiters.push(done);
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
          resolve(false);
        }, timeoutMs);
      }
    });
  }

  /**
   * Flushes for up to timeoutMs, then puts whatever is still in memory (including writes still
   * in flight) into the spool, so the next start replays it. Nothing accepted is lost.
   */
  async close(timeoutMs = 15_000): Promise<void> {
    if (this.closed) return;
    for (const t of TARGETS) this.seal(t);
    this.pump();
    // Wait for InfluxDB to take everything, but not while it is failing and the spool already
    // holds everything: waiting longer would gain nothing.
    const deadline = Date.now() + timeoutMs;
    let drained = this.isIdle();
    while (!drained && Date.now() < deadline && !(this.failures > 0 && this.memoryPoints === 0)) {
      await new Promise((r) => setTimeout(r, 20));
      drained = this.isIdle();
    }
    this.closed = true;
    if (this.ageTimer) clearTimeout(this.ageTimer);
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    if (!drained) {
      // A write still in flight may yet succeed; spooling it too is harmless (it overwrites itself).
      const leftovers = [...this.inFlight].filter((b) => !b.segment).concat(this.queue.splice(0));
      for (const b of leftovers) this.toSpool(b);
      this.log('warn', `InfluxDB has not taken everything (${this.lastError ?? 'still writing'}); ${this.spool.lines} points stay in ${this.opts.spoolDir} for the next start`);
    }
    this.memoryPoints = 0;
    this.inFlight.clear();
    this.spool.close();
    this.poster.close();
  }

  private addLine(target: PointTarget, line: string): void {
    const b = this.building[target];
    b.push(line);
    this.memoryPoints++;
    if (b.length >= this.opts.batchSize) this.seal(target);
    else if (!this.ageTimer) this.ageTimer = setTimeout(() => this.onAge(), this.opts.flushIntervalMs);
  }

  private onAge(): void {
    this.ageTimer = undefined;
    for (const t of TARGETS) this.seal(t);
  }

  private seal(target: PointTarget): void {
    const lines = this.building[target];
    if (lines.length === 0) return;
    this.building[target] = [];
    const batch: Batch = { target, lines };
    if (!this.spooling && this.memoryPoints > this.opts.maxQueuedPoints) {
      this.spooling = true;
      this.log('warn', `InfluxDB is slower than the sensor: more than ${this.opts.maxQueuedPoints} points queued; spooling to ${this.opts.spoolDir}`);
    }
    if (this.spooling) this.toSpool(batch);
    else this.queue.push(batch);
    this.pump();
  }

  private toSpool(batch: Batch): void {
    if (!batch.segment) this.memoryPoints -= batch.lines.length;
    if (batch.segment) return;
    if (this.spool.append(batch.target, batch.lines)) {
      this.c.spooledTotal += batch.lines.length;
      return;
    }
    this.c.dropped += batch.lines.length;
    const why = this.spool.diskFull ? 'is on a full disk' : `reached its limit of ${this.opts.spoolMaxBytes} bytes`;
    this.log('error', `SPOOL FULL: ${this.opts.spoolDir} ${why}; DROPPED ${batch.lines.length} points (${this.c.dropped} so far). Bring InfluxDB back, free disk space or raise the spool limit.`);
  }

  private nextBatch(): Batch | undefined {
    return this.queue.shift() ?? this.replay.next();
  }

  private pump(): void {
    if (this.closed) return;
    const now = Date.now();
    if (now < this.resumeAt) {
      if (!this.resumeTimer) {
        this.resumeTimer = setTimeout(() => { this.resumeTimer = undefined; this.pump(); }, this.resumeAt - now);
      }
      return;
    }
    while (this.inFlight.size < this.opts.maxInFlight) {
      const batch = this.nextBatch();
      if (!batch) break;
      this.send(batch);
    }
    this.finishReplayIfDone();
    if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  private finishReplayIfDone(): void {
    if (!this.replay.settle()) return;
    if (this.spool.isEmpty) {
      if (this.spooling) this.log('info', 'spool drained; writing straight to InfluxDB again');
      this.spooling = false;
    } else {
      this.pump();
    }
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight.size === 0 && this.spool.isEmpty && !this.replay.active
      && this.building.raw.length === 0 && this.building.events.length === 0;
  }

  private send(batch: Batch): void {
    this.inFlight.add(batch);
    const rp = this.opts.retentionPolicies[batch.target];
    this.poster.post(rp, batch.lines).then(
      () => this.onSuccess(batch),
      (err: unknown) => this.onFailure(batch, err instanceof WriteFailure ? err : new WriteFailure(String(err), true)),
    );
  }

  private onSuccess(batch: Batch): void {
    if (!this.inFlight.delete(batch) && this.closed) return;
    this.c.written += batch.lines.length;
    if (batch.segment) this.replay.done();
    else this.memoryPoints -= batch.lines.length;
    if (this.failures > 0) this.log('info', `InfluxDB answers again after ${this.failures} failed writes`);
    this.failures = 0;
    this.lastError = undefined;
    this.pump();
  }

  private onFailure(batch: Batch, err: WriteFailure): void {
    if (!this.inFlight.delete(batch) && this.closed) return;
    if (!err.retryable) {
      // A partial write keeps the valid points and says how many it dropped.
      const partial = /dropped=(\d+)/.exec(err.message);
      const refused = partial ? Math.min(batch.lines.length, Number(partial[1])) : batch.lines.length;
      this.c.rejected += refused;
      this.c.written += batch.lines.length - refused;
      const tooOld = /beyond retention policy/.test(err.message)
        ? ' — points older than the retention policy are discarded by InfluxDB; to keep an old capture, start with a longer raw retention (e.g. --retention-raw inf)'
        : '';
      if (this.rejectedBatches++ % 100 === 0) this.log('error', `InfluxDB refused ${refused} of ${batch.lines.length} points (${err.message}); they cannot be written${tooOld}`);
      if (batch.segment) this.replay.done();
      else this.memoryPoints -= batch.lines.length;
      this.pump();
      return;
    }
    this.c.retried += batch.lines.length;
    this.failures++;
    this.lastError = err.message;
    const delay = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** Math.min(this.failures - 1, 20));
    this.resumeAt = Date.now() + delay * (0.5 + Math.random() * 0.5);
    if (this.failures === 1 || this.failures % 20 === 0) {
      this.log('warn', `write to InfluxDB failed (${err.code ?? err.message}); spooling to ${this.opts.spoolDir} and retrying with backoff`);
    }
    if (batch.segment) {
      this.replay.failed(batch);
    } else {
      // While InfluxDB fails, memory is the wrong place for data: a crash would lose it.
      this.spooling = true;
      this.toSpool(batch);
      for (const b of this.queue.splice(0)) this.toSpool(b);
    }
    this.pump();
  }

  private log(level: WriterLogLevel, message: string): void {
    (this.opts.log ?? defaultLog)(level, message);
  }
}

function defaultLog(level: WriterLogLevel, message: string): void {
  process.stderr.write(`spanwatch store ${level}: ${message}\n`);
}

/** var/spool/<sensor> under the given var dir. */
export function defaultSpoolDir(varDir: string, sensor: string): string {
  return join(varDir, 'spool', sensor.replace(/[^A-Za-z0-9._-]/g, '_'));
}
