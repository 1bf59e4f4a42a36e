// Lock files: an O_EXCL-created file holding the owner's pid; a lock whose pid is gone is stale and
// broken. Two spanwatch processes never start two influxd on one directory, and never interleave
// writes to one shared file (users, suppressions, audit log).
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { isAlive, sleep } from './embedded/processes.ts';

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

let lockSerial = 0;

/**
 * Creates the lock with the pid already in it: the pid goes to a private file that is then
 * hard-linked to the lock path (link fails when the path exists, like O_EXCL), so no one ever
 * sees an empty lock and mistakes it for a stale one.
 */
function tryAcquire(path: string): boolean {
  const mine = `${path}.${process.pid}.${lockSerial++}`;
  writeFileSync(mine, String(process.pid));
  try {
    linkSync(mine, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    try { unlinkSync(mine); } catch { /* already gone */ }
  }
  let holder = NaN;
  try { holder = Number(readFileSync(path, 'utf8').trim()); } catch { return false; }
  if (!isAlive(holder)) {
    try { unlinkSync(path); } catch { /* someone else broke it first */ }
  }
  return false;
}

function release(path: string): void {
  try { unlinkSync(path); } catch { /* already gone */ }
}

export async function withDirLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!tryAcquire(path)) {
    if (Date.now() > deadline) {
      throw new Error(`could not lock ${path} within ${timeoutMs} ms; another spanwatch is starting influxd there. Remove the file if no spanwatch process is running.`);
    }
    await sleep(50);
  }
  try {
    return await fn();
  } finally {
    release(path);
  }
}

/** The synchronous form, for the process 'exit' hook where nothing async runs any more. */
export function withDirLockSync(path: string, fn: () => void, timeoutMs = 5_000): void {
  const deadline = Date.now() + timeoutMs;
  while (!tryAcquire(path)) {
    if (Date.now() > deadline) return;
    Atomics.wait(sleepCell, 0, 0, 20);
  }
  try {
    fn();
  } finally {
    release(path);
  }
}

/** Runs fn holding the lock at `path`; throws when a live process keeps it longer than timeoutMs. */
export function withFileLockSync<T>(path: string, fn: () => T, timeoutMs = 10_000): T {
  const deadline = Date.now() + timeoutMs;
  while (!tryAcquire(path)) {
    if (Date.now() > deadline) {
      let holder = '?';
      try { holder = readFileSync(path, 'utf8').trim(); } catch { /* raced with its release */ }
      throw new Error(`could not lock ${path} within ${timeoutMs} ms: process ${holder} holds it. Remove the file if that process is not a running spanwatch.`);
    }
    Atomics.wait(sleepCell, 0, 0, 5);
  }
  try {
    return fn();
  } finally {
    release(path);
  }
}

/** Holds the lock for the life of the caller; throws at once when a live process holds it. */
export function holdLockOrFail(path: string, what: string): () => void {
  if (!tryAcquire(path) && !tryAcquire(path)) {
    let holder = '?';
    try { holder = readFileSync(path, 'utf8').trim(); } catch { /* raced with its release */ }
    throw new Error(`${what} is in use by process ${holder} (lock ${path}). Give each sensor its own --sensor name or --spool-dir.`);
  }
  return () => release(path);
}
