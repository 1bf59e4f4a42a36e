// Reading the spool back: one segment at a time, cut into batches, several in flight; a failed
// batch is sent again before the rest, and the segment is removed once every batch is in.
import { NEWLINE, type PointTarget } from '../point.ts';
import type { Spool, SpoolSegment } from './spool.ts';

export interface Batch {
  target: PointTarget;
  /** whole lines of line protocol, each ending in a newline */
  body: Uint8Array;
  lines: number;
  /** dropped points that this batch's capture_health lines report (0 for replayed batches) */
  carry: number;
  /** set for batches replayed from the spool */
  segment?: SpoolSegment;
}

interface SegmentState {
  segment: SpoolSegment;
  body: Buffer;
  /** byte offset of the first line not yet handed out */
  next: number;
  outstanding: number;
  failed: Batch[];
}

export class SpoolReplay {
  private current: SegmentState | undefined;

  constructor(private readonly spool: Spool, private readonly batchSize: number) {}

  /** a segment is loaded and not yet fully acknowledged */
  get active(): boolean {
    return this.current !== undefined;
  }

  /** The next batch to send from the spool, or undefined when none is ready. */
  next(): Batch | undefined {
    if (!this.current) {
      const oldest = this.spool.takeOldest();
      if (!oldest) return undefined;
      this.current = { segment: oldest.segment, body: oldest.body, next: 0, outstanding: 0, failed: [] };
    }
    const c = this.current;
    const retry = c.failed.shift();
    if (retry) {
      c.outstanding++;
      return retry;
    }
    let end = c.next;
    let lines = 0;
    while (lines < this.batchSize && end < c.body.length) {
      const nl = c.body.indexOf(NEWLINE, end);
      if (nl < 0) break;
      if (nl > end) lines++;
      end = nl + 1;
    }
    const body = c.body.subarray(c.next, end);
    c.next = end;
    if (lines === 0) return undefined;
    c.outstanding++;
    return { target: c.segment.target, body, lines, carry: 0, segment: c.segment };
  }

  /** InfluxDB took the batch, or refused it for good: either way it is done. */
  done(): void {
    if (this.current) this.current.outstanding--;
  }

  /** The batch failed and must be sent again. */
  failed(batch: Batch): void {
    if (!this.current) return;
    this.current.outstanding--;
    this.current.failed.push(batch);
  }

  /** Removes the current segment once all of it is in; true when that happened. */
  settle(): boolean {
    const c = this.current;
    if (!c || c.next < c.body.length || c.outstanding > 0 || c.failed.length > 0) return false;
    this.spool.remove(c.segment);
    this.current = undefined;
    return true;
  }
}
