// The embedded influxd runs with HTTP auth on: on its first start spanwatch creates an admin user
// with a random password and keeps it in `<data dir>/credentials.json` (mode 0600). Every spanwatch
// process that uses the embedded influxd reads it from there, so other local users of the machine
// cannot read or write the data through the loopback port.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const EMBEDDED_ADMIN = 'spanwatch';

export interface EmbeddedCredentials {
  username: string;
  password: string;
}

export function credentialsPath(dataDir: string): string {
  return join(dataDir, 'credentials.json');
}

function readCredentials(file: string): EmbeddedCredentials | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the embedded influxd's credentials ${file}: ${(err as Error).message}; run spanwatch as the user that owns it`);
  }
  const c = JSON.parse(text) as Partial<EmbeddedCredentials>;
  if (typeof c.username !== 'string' || typeof c.password !== 'string' || !/^[A-Za-z0-9]+$/.test(c.username + c.password)) {
    throw new Error(`${file} is damaged (needs username and password); restore it, or remove it together with the meta/ folder beside it to start the embedded influxd afresh`);
  }
  return { username: c.username, password: c.password };
}

async function createAdmin(baseUrl: string, c: EmbeddedCredentials): Promise<void> {
  // With auth on, influxd accepts exactly one unauthenticated statement: creating the first admin.
  const q = `CREATE USER "${c.username}" WITH PASSWORD '${c.password}' WITH ALL PRIVILEGES`;
  const res = await fetch(`${baseUrl}/query`, { method: 'POST', body: new URLSearchParams({ q }), signal: AbortSignal.timeout(10_000) });
  if (res.ok) return;
  const body = await res.text();
  throw new Error(`could not create the embedded influxd's admin user (${res.status}: ${body.trim()}); it already has users, but their password is not in the credentials file. Restore that file, or remove the data dir's meta/ folder to start afresh`);
}

async function credentialsWork(baseUrl: string, c: EmbeddedCredentials): Promise<boolean> {
  const res = await fetch(`${baseUrl}/query?q=SHOW%20USERS`, {
    headers: { authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` }, signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.ok;
}

/**
 * The admin credentials of the influxd at `baseUrl`, created on first start. Call under the data
 * dir's lock. The file is written (and synced) before the user is created, so a crash in between
 * leaves a password that the next start still creates the user with.
 */
export async function ensureCredentials(dataDir: string, baseUrl: string): Promise<EmbeddedCredentials> {
  const file = credentialsPath(dataDir);
  let c = readCredentials(file);
  if (!c) {
    c = { username: EMBEDDED_ADMIN, password: randomBytes(24).toString('hex') };
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify(c) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  if (!(await credentialsWork(baseUrl, c))) await createAdmin(baseUrl, c);
  return c;
}

/** The URL with the credentials in it, as connectStore and the writers take it. */
export function urlWithCredentials(baseUrl: string, c: EmbeddedCredentials): string {
  return baseUrl.replace('://', `://${c.username}:${c.password}@`);
}
