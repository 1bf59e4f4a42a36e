// A lock file under the data dir so that two spanwatch processes never start two influxd on one
// directory. Holds the owner's pid; a lock whose pid is gone is stale and broken.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { isAlive, sleep } from './embedded/processes.ts';

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function tryAcquire(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
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

/** Holds the lock for the life of the caller; throws at once when a live process holds it. */
export function holdLockOrFail(path: string, what: string): () => void {
  if (!tryAcquire(path) && !tryAcquire(path)) {
    let holder = '?';
    try { holder = readFileSync(path, 'utf8').trim(); } catch { /* raced with its release */ }
    throw new Error(`${what} is in use by process ${holder} (lock ${path}). Give each sensor its own --sensor name or --spool-dir.`);
  }
  return () => release(path);
}
