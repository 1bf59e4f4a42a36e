// The on-disk spool: append-only segment files of line protocol (explicit ns timestamps), one
// active segment per target, fsync'd per appended batch. Replayed oldest segment first; a segment
// is deleted only once every line in it has been acknowledged, so a crash at any point re-sends
// at most some acknowledged lines again, which overwrite themselves.
import {
  closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { PointTarget } from '../point.ts';
import { holdLockOrFail } from '../dirLock.ts';

const SEGMENT_BYTES = 8 * 1024 * 1024;
const SEGMENT_NAME = /^(\d{12})\.(raw|events)\.lp$/;

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
      const lines = countCompleteLines(path);
      this.segments.push({ path, target: m[2] as PointTarget, lines, bytes });
      this.totalBytes += bytes;
      this.totalLines += lines;
      this.seq = Math.max(this.seq, Number(m[1]));
    }
  }

  get bytes(): number { return this.totalBytes; }
  get lines(): number { return this.totalLines; }
  get isEmpty(): boolean { return this.totalLines === 0; }

  /** true when the last refused batch met a full disk rather than the spool's limit */
  diskFull = false;

  /** Appends and fsyncs one batch; false (nothing written) when it would pass the limit or the disk is full. */
  append(target: PointTarget, lines: readonly string[]): boolean {
    if (lines.length === 0) return true;
    const text = lines.join('\n') + '\n';
    const size = Buffer.byteLength(text);
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
      writeSync(seg.fd, text);
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
    entry.lines += lines.length;
    entry.bytes += size;
    this.totalBytes += size;
    this.totalLines += lines.length;
    return true;
  }

  /** The oldest segment with data, sealing it first if it is still being appended to. */
  takeOldest(): { segment: SpoolSegment; lines: string[] } | undefined {
    const segment = this.segments[0];
    if (!segment) return undefined;
    for (const [target, seg] of this.active) if (seg.path === segment.path) this.seal(target);
    return { segment, lines: readCompleteLines(segment.path) };
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

  close(): void {
    for (const target of [...this.active.keys()]) this.seal(target);
    this.releaseLock();
  }

  private seal(target: PointTarget): void {
    const seg = this.active.get(target);
    if (!seg) return;
    closeSync(seg.fd);
    this.active.delete(target);
  }
}

/** Lines of a segment; a torn last line (crash mid-append) has no newline and is left out. */
function readCompleteLines(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const end = text.lastIndexOf('\n');
  if (end < 0) return [];
  return text.slice(0, end).split('\n').filter((l) => l.length > 0);
}

function countCompleteLines(path: string): number {
  return readCompleteLines(path).length;
}
