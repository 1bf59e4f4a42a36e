// LineProtocolWriter: the writing engine under InfluxWriter and the writer thread. It batches
// line protocol, keeps several writes in flight, backs off with jitter, and never loses an
// accepted point while the disk limit holds: when InfluxDB is slow or down, batches go to the
// spool on disk and are replayed (oldest first) once it answers again — also after a restart,
// since the spool is read back at start. Points carry explicit timestamps, so a point written
// twice overwrites itself. It keeps count of what the spool's limit forces it to drop until a
// stored window reports it.
import type { InfluxEndpoint } from '../connection.ts';
import { LineBuffer } from '../lineBuffer.ts';
import type { PointTarget } from '../point.ts';
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

/** The batch being filled for one target. */
interface Building {
  buf: LineBuffer;
  lines: number;
  /** dropped points its capture_health lines report */
  carry: number;
}

export class LineProtocolWriter {
  private readonly opts: Required<Omit<InfluxWriterOptions, 'log'>> & Pick<InfluxWriterOptions, 'log'>;
  private readonly poster: LineProtocolPoster;
  private readonly spool: Spool;
  protected readonly building: Record<PointTarget, Building> = {
    raw: { buf: new LineBuffer(), lines: 0, carry: 0 },
    events: { buf: new LineBuffer(1024), lines: 0, carry: 0 },
  };
  private readonly queue: Batch[] = [];
  private readonly inFlight = new Set<Batch>();
  private readonly replay: SpoolReplay;
  /** while true, new batches go to the spool so the spool drains in order */
  private spooling = false;
  private failures = 0;
  private resumeAt = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  protected closed = false;
  private idleWaiters: (() => void)[] = [];
  private memoryPoints = 0;
  private rejectedBatches = 0;
  /**
   * Drop reporting, as two running totals: points to report (every dropped point, those an
   * earlier run left unreported, and the reports carried by dropped batches), and points handed
   * to a window's capture_health line. The difference is what no kept window reports yet.
   */
  protected toReport: number;
  protected reported = 0;
  private holdingInMemory = false;
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
    this.toReport = this.spool.unreportedDrops;
    if (!this.spool.isEmpty) {
      this.spooling = true;
      this.log('info', `spool ${options.spoolDir} holds ${this.spool.lines} points from an earlier run; replaying them`);
      queueMicrotask(() => this.pump());
    }
  }

  get counters(): WriterCounters {
    return { ...this.c, queued: this.memoryPoints, spooled: this.spool.lines };
  }

  /**
   * Dropped points to report, as a running total (the writer thread hands it to the thread that
   * encodes windows, which reports the part not yet reported through writeEncoded).
   */
  get dropReportTotal(): number {
    return this.toReport;
  }

  /**
   * Accepts whole lines of line protocol (precision ns, each ending in a newline) encoded
   * elsewhere; `reportsDrops` is how many dropped points their capture_health lines report.
   */
  writeEncoded(target: PointTarget, body: Uint8Array, lines: number, reportsDrops = 0): void {
    this.checkOpen();
    this.building[target].buf.bytes(body);
    this.reportDrops(reportsDrops);
    this.added(target, lines, reportsDrops);
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
    this.saveUnreported();
    this.spool.close();
    this.poster.close();
  }

  protected checkOpen(): void {
    if (this.closed) throw new Error('InfluxWriter: write after close');
  }

  /** `lines` lines (reporting `carry` dropped points) were appended to the target's building batch. */
  protected added(target: PointTarget, lines: number, carry: number): void {
    const b = this.building[target];
    b.lines += lines;
    b.carry += carry;
    this.memoryPoints += lines;
    if (b.lines >= this.opts.batchSize) this.seal(target);
    else if (!this.ageTimer && b.lines > 0) this.ageTimer = setTimeout(() => this.onAge(), this.opts.flushIntervalMs);
  }

  /** `count` dropped points are now reported by an accepted window. */
  protected reportDrops(count: number): void {
    if (count === 0) return;
    this.reported += count;
    this.saveUnreported();
  }

  private saveUnreported(): void {
    this.spool.saveUnreportedDrops(this.toReport - this.reported);
  }

  private onAge(): void {
    this.ageTimer = undefined;
    for (const t of TARGETS) this.seal(t);
  }

  private seal(target: PointTarget): void {
    const b = this.building[target];
    if (b.lines === 0) return;
    const batch: Batch = { target, body: b.buf.take(), lines: b.lines, carry: b.carry };
    b.lines = 0;
    b.carry = 0;
    if (!this.spooling && this.memoryPoints > this.opts.maxQueuedPoints) {
      this.spooling = true;
      this.log('warn', `InfluxDB is slower than the sensor: more than ${this.opts.maxQueuedPoints} points queued; spooling to ${this.opts.spoolDir}`);
    }
    if (this.spooling) this.toSpool(batch);
    else this.queue.push(batch);
    this.pump();
  }

  private toSpool(batch: Batch): void {
    if (batch.segment) return;
    if (this.spool.append(batch.target, batch.body, batch.lines)) {
      this.memoryPoints -= batch.lines;
      this.c.spooledTotal += batch.lines;
      return;
    }
    if (!this.closed && this.failures === 0 && this.memoryPoints <= this.opts.maxQueuedPoints) {
      // InfluxDB answers; the spool is only full because it has not drained yet. Memory has room:
      // hold the batch there rather than lose it.
      if (!this.holdingInMemory) this.log('warn', `spool ${this.opts.spoolDir} is full while it drains; holding new points in memory`);
      this.holdingInMemory = true;
      this.queue.push(batch);
      return;
    }
    this.memoryPoints -= batch.lines;
    this.c.dropped += batch.lines;
    // The dropped batch may itself have carried the report of earlier drops: report those again.
    this.toReport += batch.lines + batch.carry;
    this.saveUnreported();
    const why = this.spool.diskFull ? 'is on a full disk' : `reached its limit of ${this.opts.spoolMaxBytes} bytes`;
    this.log('error', `SPOOL FULL: ${this.opts.spoolDir} ${why}; DROPPED ${batch.lines} points (${this.c.dropped} so far). Bring InfluxDB back, free disk space or raise the spool limit.`);
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
      this.holdingInMemory = false;
    } else {
      this.pump();
    }
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight.size === 0 && this.spool.isEmpty && !this.replay.active
      && this.building.raw.lines === 0 && this.building.events.lines === 0;
  }

  private send(batch: Batch): void {
    this.inFlight.add(batch);
    const rp = this.opts.retentionPolicies[batch.target];
    this.poster.post(rp, batch.body).then(
      () => this.onSuccess(batch),
      (err: unknown) => this.onFailure(batch, err instanceof WriteFailure ? err : new WriteFailure(String(err), true)),
    );
  }

  private onSuccess(batch: Batch): void {
    if (!this.inFlight.delete(batch) && this.closed) return;
    this.c.written += batch.lines;
    if (batch.segment) this.replay.done();
    else this.memoryPoints -= batch.lines;
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
      const refused = partial ? Math.min(batch.lines, Number(partial[1])) : batch.lines;
      this.c.rejected += refused;
      this.c.written += batch.lines - refused;
      const tooOld = /beyond retention policy/.test(err.message)
        ? ' — points older than the retention policy are discarded by InfluxDB; to keep an old capture, start with a longer raw retention (e.g. --retention-raw inf)'
        : '';
      if (this.rejectedBatches++ % 100 === 0) this.log('error', `InfluxDB refused ${refused} of ${batch.lines} points (${err.message}); they cannot be written${tooOld}`);
      if (batch.segment) this.replay.done();
      else this.memoryPoints -= batch.lines;
      this.pump();
      return;
    }
    this.c.retried += batch.lines;
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
    (this.opts.log ?? defaultWriterLog)(level, message);
  }
}

export function defaultWriterLog(level: WriterLogLevel, message: string): void {
  process.stderr.write(`spanwatch store ${level}: ${message}\n`);
}
