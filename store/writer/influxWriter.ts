// InfluxWriter: points and windows into InfluxDB, encoded once into the bytes that are sent and
// spooled, on the caller's thread (LineProtocolWriter does the batching, retries and spool). The
// sensor uses ThreadedInfluxWriter, which runs the same engine in a worker thread.
import { join } from 'node:path';
import type { WindowStats } from '../../capture/index.ts';
import { encodePoint, type PointTarget, type StorePoint } from '../point.ts';
import { measurementSpec } from '../schema.ts';
import { encodeWindow } from '../windowLines.ts';
import { LineProtocolWriter, type WriterCounters } from './lineProtocolWriter.ts';

export {
  defaultWriterLog, type InfluxWriterOptions, type WriterCounters, type WriterLogLevel,
} from './lineProtocolWriter.ts';

/** What the sensor and the server write through: InfluxWriter, or ThreadedInfluxWriter. */
export interface StoreWriter {
  readonly counters: WriterCounters;
  readonly lastError: string | undefined;
  /** Accepts points; never blocks. */
  write(points: readonly StorePoint[]): void;
  /**
   * Accepts a window's points. Its capture_health.storeDropped also counts the points the writer
   * dropped since the last window it kept, so every drop ends up reported in InfluxDB.
   */
  writeWindow(w: WindowStats): void;
  /** Resolves true once everything accepted is in InfluxDB, false when timeoutMs passed first. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes for up to timeoutMs, then spools what is still in memory. */
  close(timeoutMs?: number): Promise<void>;
}

export class InfluxWriter extends LineProtocolWriter implements StoreWriter {
  /** Accepts points; never blocks. Points are written in the background. */
  write(points: readonly StorePoint[]): void {
    this.checkOpen();
    for (const p of points) {
      const target: PointTarget = measurementSpec(p.measurement)?.events ? 'events' : 'raw';
      if (encodePoint(this.building[target].buf, p)) this.added(target, 1, 0);
    }
  }

  writeWindow(w: WindowStats): void {
    this.checkOpen();
    const carry = this.toReport - this.reported;
    this.reportDrops(carry);
    this.added('raw', encodeWindow(this.building.raw.buf, w, w.health.storeDropped + carry), carry);
  }
}

/** var/spool/<sensor> under the given var dir. */
export function defaultSpoolDir(varDir: string, sensor: string): string {
  return join(varDir, 'spool', sensor.replace(/[^A-Za-z0-9._-]/g, '_'));
}
