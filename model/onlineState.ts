// What online learning learned between retrains, on disk, so that a restarted sensor does not
// forget it (and repeat the alarms it had learned to stop). One JSON file per sensor, written
// atomically (a temporary file, fsync, rename), versioned, and tied to the model version that
// learned it: another model starts empty, since its own patterns already include whatever its
// training saw. A file that cannot be read is moved aside with a warning and learning starts empty.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OnlineSnapshot } from './onlineLearning.ts';

/** Bumped when the file's shape changes; a file of another format is not read. */
export const ONLINE_STATE_FORMAT = 1;

export interface OnlineStateFile extends OnlineSnapshot {
  format: number;
  /** the model version whose patterns the lessons were applied to */
  modelVersion: string;
  /** wall clock (ms) when it was written */
  savedAt: number;
}

/** Reads the state for `modelVersion`; null (after saying why through `log`) when there is none to use. */
export function loadOnlineState(path: string, modelVersion: string, log: (line: string) => void, now = Date.now()): OnlineSnapshot | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    log(`online learning: cannot read ${path} (${(err as Error).message}); starting from the model alone`);
    return null;
  }
  let problem: string | null;
  let file: OnlineStateFile | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    problem = shapeProblem(parsed);
    if (problem === null) file = parsed as OnlineStateFile;
  } catch (err) {
    problem = `not JSON: ${(err as Error).message}`;
  }
  if (file === null) {
    const aside = `${path}.unreadable-${now}`;
    try {
      renameSync(path, aside);
    } catch {
      // left in place: the next save replaces it
    }
    log(`online learning: warning: ${path} is damaged (${problem}); it was moved to ${aside} and learning starts from the model alone`);
    return null;
  }
  if (file.modelVersion !== modelVersion) {
    log(`online learning: ${path} holds what model ${file.modelVersion} learned; model ${modelVersion} starts from its own training (the file is replaced at the next save)`);
    return null;
  }
  log(`online learning: restored ${file.applied.length} confirmed lessons, ${file.pending.length} pending and ${file.resolvers.length} resolvers from ${path} (saved ${new Date(file.savedAt).toISOString()})`);
  return file;
}

/** Writes the state atomically: readers see the old file or the new one, never a part. */
export function saveOnlineState(path: string, modelVersion: string, snapshot: OnlineSnapshot, now = Date.now()): void {
  const file: OnlineStateFile = { format: ONLINE_STATE_FORMAT, modelVersion, savedAt: now, ...snapshot };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(file));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** What is wrong with a parsed file, or null when it has the expected shape. */
function shapeProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return 'not an object';
  const f = v as Partial<Record<keyof OnlineStateFile, unknown>>;
  if (f.format !== ONLINE_STATE_FORMAT) return `format ${String(f.format)}, this spanwatch reads format ${ONLINE_STATE_FORMAT}`;
  if (typeof f.modelVersion !== 'string' || typeof f.savedAt !== 'number') return 'no model version or save time';
  if (!Array.isArray(f.applied) || !Array.isArray(f.pending) || !Array.isArray(f.flagged) || !Array.isArray(f.resolvers)) return 'missing lists';
  if (f.everythingFlaggedUntil !== null && typeof f.everythingFlaggedUntil !== 'number') return 'bad everythingFlaggedUntil';
  for (const a of f.applied as unknown[]) {
    const e = a as { at?: unknown; lesson?: { kind?: unknown } } | null;
    if (typeof e?.at !== 'number' || !isLessonKind(e.lesson?.kind)) return 'a confirmed lesson without time or kind';
  }
  for (const p of f.pending as unknown[]) {
    if (!Array.isArray(p) || typeof p[0] !== 'string' || !isLessonKind((p[1] as { kind?: unknown } | null)?.kind)) return 'a pending lesson without key or kind';
  }
  return null;
}

function isLessonKind(k: unknown): boolean {
  return k === 'domain' || k === 'scan' || k === 'beacon' || k === 'destination';
}
