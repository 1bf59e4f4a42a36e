// ThreadedInfluxWriter: the InfluxWriter for the sensor. The sensor's thread only encodes each
// window into line-protocol bytes and hands them over (a transfer, not a copy); batching, HTTP,
// retries, the spool and its replay run in a worker thread. Same guarantees, counters and
// drop reporting as InfluxWriter; flush() and close() wait for the thread.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WindowStats } from '../../capture/index.ts';
import { HostMinutes } from '../hostMinutes.ts';
import { LineBuffer } from '../lineBuffer.ts';
import { encodePoint, type PointTarget, type StorePoint } from '../point.ts';
import { measurementSpec } from '../schema.ts';
import { encodeWindow } from '../windowLines.ts';
import type { StoreWriter } from './influxWriter.ts';
import { defaultWriterLog, type InfluxWriterOptions, type WriterCounters } from './lineProtocolWriter.ts';
import type { FromWriterThread, ToWriterThread, WriterSnapshot, WriterThreadOptions } from './writerThread.ts';

/**
 * The thread runs TypeScript. Node 20 does not hand the main thread's module hooks (tsx, started
 * by bin/spanwatch) to worker threads, and a .ts entry fails before any --import runs; so a small
 * bootstrap registers tsx in the thread first and then imports the entry.
 */
function threadBootstrap(): string {
  // tsx's ESM API (its CommonJS build cannot be required from here); the path is tsx's own layout,
  // as in bin/spanwatch.
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./writerThread.ts', import.meta.url).href;
  return `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}

/** Encoded lines go to the thread in batches: once this many bytes are waiting ... */
const BATCH_BYTES = 256 * 1024;
/** ... or this long after the first of them (a live window waits at most this much). */
const BATCH_MS = 25;

export class ThreadedInfluxWriter implements StoreWriter {
  /** lines and reported drops encoded but not handed to the thread yet, per target */
  private readonly pending: Record<PointTarget, { lines: number; drops: number }> = {
    raw: { lines: 0, drops: 0 }, events: { lines: 0, drops: 0 },
  };
  private batchTimer: NodeJS.Timeout | undefined;
  private snapshot: WriterSnapshot;
  /** lines handed to the thread */
  private sent = 0;
  /** dropped points handed to windows' capture_health lines, running total */
  private reported = 0;
  private readonly encoders: Record<PointTarget, LineBuffer> = { raw: new LineBuffer(), events: new LineBuffer(1024) };
  private readonly hostMinutes = new HostMinutes();
  private nextFlushId = 0;
  private readonly flushes = new Map<number, (ok: boolean) => void>();
  private closing: Promise<void> | undefined;
  private onClosed: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;
  private closed = false;

  private constructor(private readonly worker: Worker, ready: WriterSnapshot, private readonly opts: InfluxWriterOptions) {
    this.snapshot = ready;
    worker.on('message', (m: FromWriterThread) => this.onMessage(m));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`the store writer thread exited (${code}) before it was closed`));
    });
  }

  /** Starts the thread; fails like `new InfluxWriter()` does (e.g. a spool in use by another process). */
  static start(options: InfluxWriterOptions): Promise<ThreadedInfluxWriter> {
    const { log: _log, ...threadOptions } = options;
    const worker = new Worker(threadBootstrap(), { eval: true, workerData: threadOptions satisfies WriterThreadOptions });
    return new Promise((resolve, reject) => {
      const early = (m: FromWriterThread): void => {
        if (m.t === 'log') (options.log ?? defaultWriterLog)(m.level, m.message);
        else if (m.t === 'failed') reject(new Error(m.message));
        else if (m.t === 'ready') {
          worker.off('message', early);
          worker.off('error', reject);
          resolve(new ThreadedInfluxWriter(worker, m.snapshot, options));
        }
      };
      worker.on('message', early);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the store writer thread exited (${code}) before it started`)));
    });
  }

  get counters(): WriterCounters {
    const c = this.snapshot.counters;
    return { ...c, queued: c.queued + this.sent - this.snapshot.received };
  }

  get lastError(): string | undefined {
    return this.snapshot.lastError;
  }

  write(points: readonly StorePoint[]): void {
    this.checkOpen();
    let raw = 0;
    let events = 0;
    for (const p of points) {
      if (measurementSpec(p.measurement)?.events) {
        if (encodePoint(this.encoders.events, p)) events++;
      } else if (encodePoint(this.encoders.raw, p)) {
        raw++;
      }
    }
    this.queue('raw', raw, 0);
    this.queue('events', events, 0);
  }

  writeWindow(w: WindowStats): void {
    this.checkOpen();
    // What the thread has dropped and no window reports yet (as far as its last report goes).
    const carry = Math.max(0, this.snapshot.dropReportTotal - this.reported);
    this.reported += carry;
    const lines = encodeWindow(this.encoders.raw, w, w.health.storeDropped + carry);
    this.queue('raw', lines + this.hostMinutes.add(w, this.encoders.raw), carry);
  }

  flush(timeoutMs = Infinity): Promise<boolean> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) {
      // Closed: everything is in InfluxDB or in the spool already.
      const c = this.counters;
      return Promise.resolve(c.queued === 0 && c.spooled === 0);
    }
    this.queue('raw', this.hostMinutes.drain(this.encoders.raw, false), 0);
    this.sendPending();
    const id = this.nextFlushId++;
    return new Promise((resolve) => {
      this.flushes.set(id, resolve);
      this.post({ t: 'flush', id, timeoutMs });
    });
  }

  close(timeoutMs = 15_000): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.closing) this.queue('raw', this.hostMinutes.drain(this.encoders.raw, true), 0);
    this.sendPending();
    this.closing ??= new Promise<void>((resolve, reject) => {
      this.onClosed = { resolve, reject };
      this.post({ t: 'close', timeoutMs });
    }).then(() => new Promise<void>((resolve) => {
      // The thread ends by itself once its writer has closed.
      if (this.worker.threadId < 0) resolve();
      else this.worker.once('exit', () => resolve());
    }));
    return this.closing;
  }

  /**
   * Counts lines just encoded as accepted. A message per window would cost the sensor's thread
   * more than encoding the window, so lines wait here for a batch (BATCH_BYTES or BATCH_MS).
   */
  private queue(target: PointTarget, lines: number, reportsDrops: number): void {
    if (lines === 0) return;
    const p = this.pending[target];
    p.lines += lines;
    p.drops += reportsDrops;
    this.sent += lines;
    if (this.encoders[target].length >= BATCH_BYTES) this.send(target);
    else if (this.batchTimer === undefined) {
      this.batchTimer = setTimeout(() => this.sendPending(), BATCH_MS);
      this.batchTimer.unref();
    }
  }

  private sendPending(): void {
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    this.send('raw');
    this.send('events');
  }

  private send(target: PointTarget): void {
    const p = this.pending[target];
    if (p.lines === 0) return;
    const body = this.encoders[target].take();
    const { lines, drops } = p;
    p.lines = 0;
    p.drops = 0;
    this.worker.postMessage({ t: 'lines', target, body, lines, reportsDrops: drops } satisfies ToWriterThread, [body.buffer as ArrayBuffer]);
  }

  private post(m: ToWriterThread): void {
    this.worker.postMessage(m);
  }

  private onMessage(m: FromWriterThread): void {
    switch (m.t) {
      case 'snapshot':
        this.snapshot = m.snapshot;
        break;
      case 'log':
        this.snapshot = m.snapshot;
        (this.opts.log ?? defaultWriterLog)(m.level, m.message);
        break;
      case 'flushed':
        this.snapshot = m.snapshot;
        this.flushes.get(m.id)?.(m.ok);
        this.flushes.delete(m.id);
        break;
      case 'closed':
        this.closed = true;
        this.snapshot = m.snapshot;
        this.onClosed?.resolve();
        break;
      default:
        break;
    }
  }

  private checkOpen(): void {
    if (this.failure) throw this.failure;
    if (this.closing) throw new Error('InfluxWriter: write after close');
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = new Error(`store writer thread failed: ${err.message}`);
    (this.opts.log ?? defaultWriterLog)('error', this.failure.message);
    for (const resolve of this.flushes.values()) resolve(false);
    this.flushes.clear();
    this.onClosed?.reject(this.failure);
  }
}
