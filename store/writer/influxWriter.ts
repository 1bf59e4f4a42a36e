// InfluxWriter: points and windows into InfluxDB, encoded once into the bytes that are sent and
// spooled, on the caller's thread (LineProtocolWriter does the batching, retries and spool). The
// sensor uses ThreadedInfluxWriter, which runs the same engine in a worker thread.
import { join } from 'node:path';
import type { WindowStats } from '../../capture/index.ts';
import { HostMinutes } from '../hostMinutes.ts';
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
   * dropped since the last window it kept, so every drop ends up reported in InfluxDB. Its hosts
   * are summed into host_minutes, written when the sensor's next minute starts.
   */
  writeWindow(w: WindowStats): void;
  /** Resolves true once everything accepted is in InfluxDB (host_minutes: the open minute so far), false when timeoutMs passed first. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Writes the open minute of host_minutes, flushes for up to timeoutMs, then spools what is still in memory. */
  close(timeoutMs?: number): Promise<void>;
}

export class InfluxWriter extends LineProtocolWriter implements StoreWriter {
  private readonly hostMinutes = new HostMinutes();

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
    const buf = this.building.raw.buf;
    const lines = encodeWindow(buf, w, w.health.storeDropped + carry);
    this.added('raw', lines + this.hostMinutes.add(w, buf), carry);
  }

  override flush(timeoutMs?: number): Promise<boolean> {
    if (!this.closed) this.added('raw', this.hostMinutes.drain(this.building.raw.buf, false), 0);
    return super.flush(timeoutMs);
  }

  override close(timeoutMs?: number): Promise<void> {
    if (!this.closed) this.added('raw', this.hostMinutes.drain(this.building.raw.buf, true), 0);
    return super.close(timeoutMs);
  }
}

/** var/spool/<sensor> under the given var dir. */
export function defaultSpoolDir(varDir: string, sensor: string): string {
  return join(varDir, 'spool', sensor.replace(/[^A-Za-z0-9._-]/g, '_'));
}
