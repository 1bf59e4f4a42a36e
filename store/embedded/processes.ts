// Small process probes shared by the embedded-influxd lifecycle.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { httpStatus } from '../httpProbe.ts';

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** SIGTERM, wait up to graceMs, then SIGKILL; resolves once the process is gone. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  if (!isAlive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (!isAlive(pid)) return;
  try { process.kill(pid, 'SIGKILL'); } catch { return; }
  const killDeadline = Date.now() + 5_000;
  while (isAlive(pid) && Date.now() < killDeadline) await sleep(50);
}

/** The influxd binary: $SPANWATCH_INFLUXD when set (and only it), else `influxd` on PATH, else /usr/bin/influxd. */
export function findInfluxd(): string | undefined {
  const candidates: string[] = [];
  if (process.env.SPANWATCH_INFLUXD) candidates.push(process.env.SPANWATCH_INFLUXD);
  else for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'influxd'));
  if (!process.env.SPANWATCH_INFLUXD) candidates.push('/usr/bin/influxd');
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here; try the next one
    }
  }
  return undefined;
}

/** GET /ping answers 204 when influxd is up. */
export async function pingOk(url: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const status = await httpStatus(new URL('/ping', url).toString(), timeoutMs);
    return status === 204 || status === 200;
  } catch {
    return false;
  }
}
