// The on-disk spool: append-only segment files of line protocol (explicit ns timestamps), one
// active segment per target, fsync'd per appended batch. Replayed oldest segment first; a segment
// is deleted only once every line in it has been acknowledged, so a crash at any point re-sends
// at most some acknowledged lines again, which overwrite themselves.
import {
  closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, unlinkSync,
  writeFileSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { NEWLINE, type PointTarget } from '../point.ts';
import { holdLockOrFail } from '../dirLock.ts';

const SEGMENT_BYTES = 8 * 1024 * 1024;
const SEGMENT_NAME = /^(\d{12})\.(raw|events)\.lp$/;
/** points dropped at the disk limit that no stored window has reported yet (see InfluxWriter) */
const UNREPORTED_DROPS = 'unreported-drops';

interface ActiveSegment {
  path: string;
  fd: number;
  bytes: number;
}

export interface SpoolSegment {
  path: string;
  target: PointTarget;
  lines: number;
  bytes: number;
}

export class Spool {
  private seq = 0;
  private readonly active = new Map<PointTarget, ActiveSegment>();
  /** segments on disk in replay order (sealed and active) */
  private readonly segments: SpoolSegment[] = [];
  private totalBytes = 0;
  private totalLines = 0;
  private savedUnreported: number;
  private closed = false;
  private readonly releaseLock: () => void;

  constructor(readonly dir: string, readonly maxBytes: number) {
    mkdirSync(dir, { recursive: true });
    this.releaseLock = holdLockOrFail(join(dir, 'spool.lock'), `spool ${dir}`);
    for (const name of readdirSync(dir).sort()) {
      const m = SEGMENT_NAME.exec(name);
      if (!m) continue;
      const path = join(dir, name);
      const bytes = statSync(path).size;
      if (bytes === 0) {
        unlinkSync(path);
        continue;
      }
      const lines = countLines(readCompleteLines(path));
      this.segments.push({ path, target: m[2] as PointTarget, lines, bytes });
      this.totalBytes += bytes;
      this.totalLines += lines;
      this.seq = Math.max(this.seq, Number(m[1]));
    }
    this.savedUnreported = readCount(join(dir, UNREPORTED_DROPS));
  }

  get bytes(): number { return this.totalBytes; }
  get lines(): number { return this.totalLines; }
  get isEmpty(): boolean { return this.totalLines === 0; }

  /** true when the last refused batch met a full disk rather than the spool's limit */
  diskFull = false;

  /**
   * Appends and fsyncs one batch (`lines` whole lines, each ending in a newline); false (nothing
   * written) when it would pass the limit or the disk is full.
   */
  append(target: PointTarget, body: Uint8Array, lines: number): boolean {
    if (lines === 0) return true;
    const size = body.byteLength;
    if (this.totalBytes + size > this.maxBytes) return false;
    let seg = this.active.get(target);
    if (seg && seg.bytes >= SEGMENT_BYTES) {
      this.seal(target);
      seg = undefined;
    }
    if (!seg) {
      const path = join(this.dir, `${String(++this.seq).padStart(12, '0')}.${target}.lp`);
      seg = { path, fd: openSync(path, 'a'), bytes: 0 };
      this.active.set(target, seg);
      this.segments.push({ path, target, lines: 0, bytes: 0 });
    }
    try {
      writeSync(seg.fd, body);
      fsyncSync(seg.fd);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOSPC' && code !== 'EDQUOT') throw err;
      // The disk filled before the spool's own limit: cut off the partial batch so the segment
      // ends on a whole line, and refuse the batch like a full spool.
      try { ftruncateSync(seg.fd, seg.bytes); } catch { /* the segment is read up to its last whole line anyway */ }
      this.diskFull = true;
      return false;
    }
    this.diskFull = false;
    seg.bytes += size;
    const entry = this.segments.find((s) => s.path === seg!.path)!;
    entry.lines += lines;
    entry.bytes += size;
    this.totalBytes += size;
    this.totalLines += lines;
    return true;
  }

  /** The oldest segment with data (its whole lines), sealing it first if it is still being appended to. */
  takeOldest(): { segment: SpoolSegment; body: Buffer } | undefined {
    const segment = this.segments[0];
    if (!segment) return undefined;
    for (const [target, seg] of this.active) if (seg.path === segment.path) this.seal(target);
    return { segment, body: readCompleteLines(segment.path) };
  }

  /** Every line of the segment is in InfluxDB: forget it. */
  remove(segment: SpoolSegment): void {
    const i = this.segments.indexOf(segment);
    if (i < 0) return;
    this.segments.splice(i, 1);
    try { unlinkSync(segment.path); } catch { /* already gone */ }
    this.totalBytes -= segment.bytes;
    this.totalLines -= segment.lines;
  }

  /**
   * Dropped points not yet reported in a stored window. Kept beside the spool so that a sensor
   * that drops points and stops before any later window is stored reports them after its restart.
   */
  get unreportedDrops(): number {
    return this.savedUnreported;
  }

  saveUnreportedDrops(count: number): void {
    if (count === this.savedUnreported || this.closed) return;
    const path = join(this.dir, UNREPORTED_DROPS);
    try {
      if (count > 0) writeFileSync(path, `${count}\n`);
      else if (existsSync(path)) unlinkSync(path);
      this.savedUnreported = count;
    } catch {
      // A full disk may refuse even this; the count stays in memory and is tried again later.
    }
  }

  close(): void {
    for (const target of [...this.active.keys()]) this.seal(target);
    this.closed = true;
    this.releaseLock();
  }

  private seal(target: PointTarget): void {
    const seg = this.active.get(target);
    if (!seg) return;
    closeSync(seg.fd);
    this.active.delete(target);
  }
}

/** The segment up to its last newline; a torn last line (crash mid-append) is left out. */
function readCompleteLines(path: string): Buffer {
  let body: Buffer;
  try {
    body = readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
  return body.subarray(0, body.lastIndexOf(NEWLINE) + 1);
}

/** Non-empty lines in whole lines of line protocol. */
export function countLines(body: Uint8Array, from = 0, to = body.length): number {
  let n = 0;
  let start = from;
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  for (let nl = buf.indexOf(NEWLINE, start); nl >= 0 && nl < to; nl = buf.indexOf(NEWLINE, start)) {
    if (nl > start) n++;
    start = nl + 1;
  }
  return n;
}

function readCount(path: string): number {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}
