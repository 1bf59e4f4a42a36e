// The embedded default: spanwatch's own influxd on loopback, data under one directory, shared by
// every spanwatch process that points at that directory and stopped by the last one to leave.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freeLoopbackPort } from './freePort.ts';
import { influxdConfig } from './influxdConfig.ts';
import { ensureCredentials, urlWithCredentials } from './embeddedCredentials.ts';
import { withDirLock, withDirLockSync } from '../dirLock.ts';
import { liveUsers, readState, removeState, writeState, type EmbeddedState } from './embeddedState.ts';
import { findInfluxd, isAlive, pingOk, sleep, terminate } from './processes.ts';

export const INFLUXD_NOT_FOUND = "influxd not found — run scripts/setup.sh (installs Debian's influxdb package)";

export interface EmbeddedInfluxOptions {
  /** where meta/, data/, wal/, influxd.conf, influxd.log and the state file live */
  dataDir?: string;
  /** HTTP port; a free loopback port when omitted */
  port?: number;
  /** how long to wait for /ping after starting influxd */
  startTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace period when stopping */
  stopGraceMs?: number;
  /** continuous-query service wake-up interval (influxd default 1s) */
  cqRunInterval?: string;
  /**
   * HTTP auth (default on): an admin user with a generated password, kept in
   * `<dataDir>/credentials.json` (mode 0600) and put into `url`. Off only to test unauthenticated setups.
   */
  authEnabled?: boolean;
  /**
   * Stop (or leave) influxd on SIGINT/SIGTERM/SIGHUP and then exit. Off by default: a command that
   * handles signals itself (the sensor flushes its sinks first) calls stop() when it is done.
   */
  handleSignals?: boolean;
}

export interface EmbeddedInflux {
  /** http://USER:PASSWORD@127.0.0.1:PORT when auth is on: what connectStore and the writers take */
  url: string;
  /** the same without credentials, for printing and for probes */
  baseUrl: string;
  /** pid of the influxd serving this data dir */
  pid: number;
  /** true when another spanwatch process had already started influxd on this data dir */
  reused: boolean;
  dataDir: string;
  /** leave; stops influxd when no other live process uses it */
  stop(): Promise<void>;
}

function logTail(path: string, lines = 20): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function isInfluxdProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('influxd');
  } catch {
    return false;
  }
}

interface Started { pid: number; url: string; httpPort: number; rpcPort: number }

async function spawnInfluxd(binary: string, dataDir: string, opts: EmbeddedInfluxOptions): Promise<Started> {
  const httpPort = opts.port ?? (await freeLoopbackPort());
  let rpcPort = await freeLoopbackPort();
  while (rpcPort === httpPort) rpcPort = await freeLoopbackPort();
  const configPath = join(dataDir, 'influxd.conf');
  writeFileSync(configPath, influxdConfig({
    dataDir, httpPort, rpcPort, cqRunInterval: opts.cqRunInterval, authEnabled: opts.authEnabled ?? true,
  }));
  const logPath = join(dataDir, 'influxd.log');
  const logFd = openSync(logPath, 'a');
  // Detached with its own log: it must outlive this process when another spanwatch still uses it.
  const child = spawn(binary, ['-config', configPath], { detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => { exited = `exited with ${signal ?? code}`; });
  child.once('error', (err) => { exited = `could not start: ${err.message}`; });
  child.unref();
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (exited) break;
    if (await pingOk(url, 500)) return { pid: child.pid!, url, httpPort, rpcPort };
    await sleep(100);
  }
  if (!exited && child.pid) await terminate(child.pid, 2_000);
  const why = exited ?? `did not answer /ping within ${opts.startTimeoutMs ?? 30_000} ms`;
  throw new Error(`influxd (${binary}) on ${url} ${why}. Last lines of ${logPath}:\n${logTail(logPath)}`);
}

export async function startEmbeddedInflux(opts: EmbeddedInfluxOptions = {}): Promise<EmbeddedInflux> {
  const binary = findInfluxd();
  if (!binary) throw new Error(INFLUXD_NOT_FOUND);
  const dataDir = resolve(opts.dataDir ?? 'var/influxdb');
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(dataDir, 'embedded.lock');
  const statePath = join(dataDir, 'embedded.json');
  const me = { pid: process.pid, token: randomUUID() };

  const { state, reused, url } = await withDirLock(lockPath, async () => {
    const withAuth = async (s: EmbeddedState): Promise<string> => (opts.authEnabled ?? true ? urlWithCredentials(s.url, await ensureCredentials(dataDir, s.url)) : s.url);
    const prior = readState(statePath);
    if (prior && isAlive(prior.pid) && isInfluxdProcess(prior.pid) && (await pingOk(prior.url, 2_000))) {
      const next: EmbeddedState = { ...prior, users: [...liveUsers(prior), me] };
      writeState(statePath, next);
      return { state: next, reused: true, url: await withAuth(next) };
    }
    // A recorded influxd that is alive but deaf is hung on our data: replace it.
    if (prior && isAlive(prior.pid) && isInfluxdProcess(prior.pid)) await terminate(prior.pid, opts.stopGraceMs ?? 10_000);
    let lastErr: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const started = await spawnInfluxd(binary, dataDir, opts);
        const next: EmbeddedState = { ...started, users: [me] };
        writeState(statePath, next);
        try {
          return { state: next, reused: false, url: await withAuth(next) };
        } catch (err) {
          await terminate(started.pid, opts.stopGraceMs ?? 10_000);
          removeState(statePath);
          throw err;
        }
      } catch (err) {
        lastErr = err;
        // Another program can grab a probed port before influxd binds it; only that is worth a retry.
        if (opts.port !== undefined || !/address already in use/.test(String(err))) break;
      }
    }
    throw lastErr;
  });

  /** Under the lock: removes this process from the users; returns influxd's pid when it was the last. */
  const signOff = (): number | null => {
    const s = readState(statePath);
    if (!s || s.pid !== state.pid) return null;
    const users = liveUsers(s).filter((u) => u.token !== me.token);
    if (users.length === 0) return s.pid;
    writeState(statePath, { ...s, users });
    return null;
  };

  let left = false;
  const leaveSync = (): void => {
    if (left) return;
    left = true;
    try {
      withDirLockSync(lockPath, () => {
        const pid = signOff();
        if (pid === null) return;
        // No time to wait at exit: influxd shuts down cleanly on SIGTERM by itself.
        try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
        removeState(statePath);
      });
    } catch (err) {
      // An exit hook must not throw. A data directory removed under us leaves nothing to sign off.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') process.stderr.write(`spanwatch store warn: leaving the embedded influxd: ${(err as Error).message}\n`);
    }
  };
  const signalHandler = (signal: NodeJS.Signals): void => {
    void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('exit', leaveSync);
  if (opts.handleSignals) for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, signalHandler);

  async function stop(): Promise<void> {
    if (left) return;
    left = true;
    process.off('exit', leaveSync);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, signalHandler);
    await withDirLock(lockPath, async () => {
      const pid = signOff();
      if (pid === null) return;
      await terminate(pid, opts.stopGraceMs ?? 10_000);
      removeState(statePath);
    });
  }

  return { url, baseUrl: state.url, pid: state.pid, reused, dataDir, stop };
}
