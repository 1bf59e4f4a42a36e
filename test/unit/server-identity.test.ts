// Identity on the server: revocation reaches open sockets, tokens expire and rotate, failed-login
// throttling never refuses a valid token (with and without a trusted proxy), TLS in serve.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildServer, startServer, type SpanwatchServer, type StartedServer } from '../../server/index.ts';

const bin = join(import.meta.dirname, '../../bin/spanwatch');
const runCli = promisify(execFile);

interface Closed { code: number; reason: string; at: number }

/** Opens a socket, authenticates with its first message and resolves once the server answered. */
async function openSocket(url: string, first: Record<string, unknown>, opts: { ca?: string } = {}): Promise<{ ws: WebSocket; closed: Promise<Closed> }> {
  const ws = new WebSocket(url, opts.ca ? { ca: opts.ca } : {});
  const closed = new Promise<Closed>((done) => ws.on('close', (code, reason) => done({ code, reason: reason.toString(), at: Date.now() })));
  await new Promise<void>((done, fail) => { ws.once('open', () => done()); ws.once('error', fail); });
  const answered = new Promise<string>((done, fail) => {
    ws.once('message', (m) => done(String(m)));
    ws.once('close', (code, reason) => fail(new Error(`closed before answering: ${code} ${reason.toString()}`)));
  });
  ws.send(JSON.stringify(first));
  const reply = JSON.parse(await answered) as { type: string };
  expect(['hello', 'ready']).toContain(reply.type);
  return { ws, closed };
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, fail) => setTimeout(() => fail(new Error(`${what} did not happen within ${ms} ms`)), ms))]);

describe('revocation reaches open sockets', () => {
  let varDir: string;
  let srv: StartedServer;
  let admin: string;
  let wsBase: string;
  const auth = () => ({ authorization: `Bearer ${admin}`, 'content-type': 'application/json' });
  const addUser = async (body: Record<string, unknown>): Promise<string> => {
    const res = await fetch(`${srv.url}/api/v1/users`, { method: 'POST', headers: auth(), body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { token: string }).token;
  };

  beforeAll(async () => {
    varDir = mkdtempSync(join(tmpdir(), 'spanwatch-revoke-'));
    srv = await startServer({ varDir, uiDir: null, port: 0, announceToken: () => undefined });
    admin = srv.app.spanwatch.users.add('boss', 'admin');
    wsBase = srv.url.replace(/^http/, 'ws');
  });
  afterAll(async () => {
    await srv.close();
    rmSync(varDir, { recursive: true, force: true });
  });

  it('removing a user closes its stream and ingest sockets within 1 s with 4401 "token revoked"', async () => {
    const viewer = await addUser({ name: 'gone-viewer', role: 'viewer' });
    const sensor = await addUser({ name: 'gone-sensor', role: 'sensor', sensors: ['gone-sensor'] });
    const stream = await openSocket(`${wsBase}/api/v1/stream`, { type: 'auth', token: viewer });
    const ingest = await openSocket(`${wsBase}/api/v1/ingest`, { type: 'auth', token: sensor, session: 's1' });
    const bystander = await openSocket(`${wsBase}/api/v1/stream`, { type: 'auth', token: admin });
    const t0 = Date.now();
    expect((await fetch(`${srv.url}/api/v1/users/gone-viewer`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
    expect((await fetch(`${srv.url}/api/v1/users/gone-sensor`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
    const [s, i] = await within(Promise.all([stream.closed, ingest.closed]), 1_000, 'closing the revoked sockets');
    expect(s).toMatchObject({ code: 4401, reason: 'token revoked: user removed' });
    expect(i).toMatchObject({ code: 4401, reason: 'token revoked: user removed' });
    expect(Math.max(s.at, i.at) - t0).toBeLessThan(1_000);
    expect(bystander.ws.readyState).toBe(WebSocket.OPEN);
    bystander.ws.close();
  });

  it('changing a user\'s role closes its sockets', async () => {
    const token = await addUser({ name: 'demoted', role: 'analyst' });
    const stream = await openSocket(`${wsBase}/api/v1/stream`, { type: 'auth', token });
    await addUser({ name: 'demoted', role: 'viewer' });
    expect(await within(stream.closed, 1_000, 'closing after the role change')).toMatchObject({ code: 4401, reason: 'token revoked: role changed' });
  });

  it('`spanwatch user remove` in another process closes the sockets of a running server within 1 s of the change', async () => {
    const token = await addUser({ name: 'cli-gone', role: 'sensor' });
    const ingest = await openSocket(`${wsBase}/api/v1/ingest`, { type: 'auth', token, session: 's2' });
    await runCli(bin, ['user', 'remove', 'cli-gone'], { env: { ...process.env, SPANWATCH_VAR: varDir } });
    const changedAt = Date.now();
    const c = await within(ingest.closed, 1_500, 'closing after the CLI removal');
    expect(c).toMatchObject({ code: 4401, reason: 'token revoked: user removed' });
    expect(c.at - changedAt).toBeLessThan(1_000);
    expect((await fetch(`${srv.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('a socket whose token expires is closed at the expiry', async () => {
    const res = await fetch(`${srv.url}/api/v1/users`, { method: 'POST', headers: auth(), body: JSON.stringify({ name: 'fleeting', role: 'viewer', expiresIn: 2 }) });
    const { token, expiresAt } = (await res.json()) as { token: string; expiresAt: string };
    const stream = await openSocket(`${wsBase}/api/v1/stream`, { type: 'auth', token }).catch(() => null);
    // only on a machine so slow that the token expired before the socket got in is it refused instead
    if (stream === null) {
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
      return;
    }
    const c = await within(stream.closed, 5_000, 'closing at the expiry');
    expect(c).toMatchObject({ code: 4401, reason: `token expired at ${expiresAt}` });
    expect(c.at).toBeGreaterThanOrEqual(Date.parse(expiresAt));
  });

  it('sensor bindings are stored, listed, and only for role sensor', async () => {
    await addUser({ name: 'span1', role: 'sensor', sensors: ['span1', 'span1-b'] });
    const list = (await (await fetch(`${srv.url}/api/v1/users`, { headers: auth() })).json()) as { users: { name: string; sensors?: string[] }[] };
    expect(list.users.find((u) => u.name === 'span1')?.sensors).toEqual(['span1', 'span1-b']);
    const bad = await fetch(`${srv.url}/api/v1/users`, { method: 'POST', headers: auth(), body: JSON.stringify({ name: 'x', role: 'viewer', sensors: ['s'] }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/only users of role sensor/);
  });
});

describe('token expiry and rotation', () => {
  let varDir: string;
  let app: SpanwatchServer;
  let admin: string;
  beforeAll(async () => {
    varDir = mkdtempSync(join(tmpdir(), 'spanwatch-expiry-'));
    app = await buildServer({ varDir, uiDir: null });
    admin = app.spanwatch.users.add('boss', 'admin');
  });
  afterAll(async () => {
    await app.close();
    rmSync(varDir, { recursive: true, force: true });
  });
  const me = (token: string) => app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });

  it('an expired token gets 401 saying it expired', async () => {
    const create = (name: string, expiresIn: number) => app.inject({ method: 'POST', url: '/api/v1/users', headers: { authorization: `Bearer ${admin}` }, payload: { name, role: 'viewer', expiresIn } });
    const lasting = await create('lasting', 3_600);
    expect(lasting.statusCode).toBe(201);
    expect((await me(lasting.json().token)).statusCode).toBe(200);
    const created = await create('brief', 1);
    expect(created.statusCode).toBe(201);
    const { token, expiresAt } = created.json() as { token: string; expiresAt: string };
    const at = Date.parse(expiresAt);
    expect(at - Date.now()).toBeLessThanOrEqual(1_000);
    expect(app.spanwatch.users.check(token, at - 1)).toMatchObject({ ok: true });
    expect(app.spanwatch.users.check(token, at)).toMatchObject({ ok: false, reason: 'expired' });
    while (Date.now() <= at) await new Promise((r) => setTimeout(r, at - Date.now() + 10));
    const res = await me(token);
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/^token expired at .*; ask an admin to rotate it \(spanwatch user rotate brief\)$/);
    const past = await app.inject({ method: 'POST', url: '/api/v1/users', headers: { authorization: `Bearer ${admin}` }, payload: { name: 'late', role: 'viewer', expiresAt: '2001-01-01T00:00:00Z' } });
    expect(past.statusCode).toBe(400);
  });

  it('rotation: the new token works, the old one stops at once, and it is audited', async () => {
    const old = app.spanwatch.users.add('rot', 'analyst');
    const res = await app.inject({ method: 'POST', url: '/api/v1/users/rot/rotate', headers: { authorization: `Bearer ${admin}` } });
    expect(res.statusCode).toBe(200);
    const fresh = res.json().token as string;
    expect(fresh).not.toBe(old);
    expect((await me(old)).statusCode).toBe(401);
    expect((await me(fresh)).json()).toMatchObject({ name: 'rot', role: 'analyst' });
    const audit = await app.inject({ url: '/api/v1/audit?target=user:rot', headers: { authorization: `Bearer ${admin}` } });
    expect(audit.json().entries.map((e: { action: string; user: string }) => `${e.user} ${e.action}`)).toEqual(['boss user.rotate']);
    expect((await app.inject({ method: 'POST', url: '/api/v1/users/nobody/rotate', headers: { authorization: `Bearer ${admin}` } })).statusCode).toBe(404);
  });

  it('`spanwatch user add --expires` and `user rotate` from the command line', async () => {
    const env = { ...process.env, SPANWATCH_VAR: varDir };
    const added = await runCli(bin, ['user', 'add', 'span9', '--role', 'sensor', '--sensor', 'span9', '--sensor', 'span9b', '--expires', '90d'], { env });
    const first = added.stdout.trim();
    const listed = app.spanwatch.users.get('span9')!;
    expect(listed.sensors).toEqual(['span9', 'span9b']);
    expect(Math.abs(Date.parse(listed.expiresAt!) - (Date.now() + 90 * 86_400_000))).toBeLessThan(60_000);
    const rotated = await runCli(bin, ['user', 'rotate', 'span9'], { env });
    const second = rotated.stdout.trim();
    expect(second).toMatch(/^swt_/);
    expect(second).not.toBe(first);
    // the server picks up the other process's change on the next request
    await new Promise((r) => setTimeout(r, 300));
    expect(app.spanwatch.users.authenticate(first)).toBeNull();
    expect(app.spanwatch.users.authenticate(second)).toMatchObject({ name: 'span9', sensors: ['span9', 'span9b'] });
    const log = readFileSync(join(varDir, 'audit.log'), 'utf8');
    expect(log).toMatch(/"action":"user\.rotate".*"target":"user:span9"/);
  });
});

describe('failed-login throttling never refuses a valid token', () => {
  const withServer = async (trustProxy: string[] | undefined, body: (app: SpanwatchServer, admin: string) => Promise<void>): Promise<void> => {
    const varDir = mkdtempSync(join(tmpdir(), 'spanwatch-throttle-'));
    const app = await buildServer({ varDir, uiDir: null, authFailuresPerMinute: 5, ...(trustProxy ? { trustProxy } : {}) });
    try {
      await body(app, app.spanwatch.users.add('boss', 'admin'));
    } finally {
      await app.close();
      rmSync(varDir, { recursive: true, force: true });
    }
  };
  const me = (app: SpanwatchServer, token: string, remoteAddress = '127.0.0.1', forwardedFor?: string) => app.inject({
    url: '/api/v1/me', remoteAddress, headers: { authorization: `Bearer ${token}`, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
  });

  it('without a proxy: 30 wrong tokens from an address get 429, the admin from the same address still gets 200', async () => {
    await withServer(undefined, async (app, admin) => {
      const codes: number[] = [];
      for (let i = 0; i < 30; i++) codes.push((await me(app, 'swt_wrong')).statusCode);
      expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(new Set(codes.slice(5))).toEqual(new Set([429]));
      const good = await me(app, admin);
      expect(good.statusCode).toBe(200);
      const stillBad = await me(app, 'swt_wrong');
      expect(stillBad.statusCode).toBe(429);
      expect(Number(stillBad.headers['retry-after'])).toBeGreaterThan(0);
      // an X-Forwarded-For from an untrusted peer is ignored: rotating it does not escape the count
      expect((await me(app, 'swt_wrong', '127.0.0.1', '203.0.113.50')).statusCode).toBe(429);
      expect((await me(app, 'swt_wrong', '127.0.0.9')).statusCode).toBe(401);
    });
  });

  it('behind a trusted proxy: failures count per forwarded client; an untrusted peer\'s X-Forwarded-For does not count', async () => {
    await withServer(['127.0.0.1/32'], async (app, admin) => {
      for (let i = 0; i < 30; i++) await me(app, 'swt_wrong', '127.0.0.1', '203.0.113.7');
      expect((await me(app, 'swt_wrong', '127.0.0.1', '203.0.113.7')).statusCode).toBe(429);
      // another client behind the same proxy is not locked out, and neither is the valid token of the first
      expect((await me(app, 'swt_wrong', '127.0.0.1', '198.51.100.2')).statusCode).toBe(401);
      expect((await me(app, admin, '127.0.0.1', '203.0.113.7')).statusCode).toBe(200);
      // a peer that is not the proxy cannot name its own client address
      for (let i = 0; i < 6; i++) await me(app, 'swt_wrong', '192.0.2.50', `198.51.100.${100 + i}`);
      expect((await me(app, 'swt_wrong', '192.0.2.50', '198.51.100.200')).statusCode).toBe(429);
      expect((await me(app, 'swt_wrong', '127.0.0.1', '198.51.100.200')).statusCode).toBe(401);
    });
  });

  it('an IPv6 client is counted by its /64: rotating addresses inside it does not escape the count', async () => {
    await withServer(undefined, async (app, admin) => {
      for (let i = 1; i <= 6; i++) await me(app, 'swt_wrong', `2001:db8:0:7::${i.toString(16)}`);
      expect((await me(app, 'swt_wrong', '2001:db8:0:7:ffff::99')).statusCode).toBe(429);
      expect((await me(app, 'swt_wrong', '2001:db8:0:8::1')).statusCode).toBe(401);
      expect((await me(app, admin, '2001:db8:0:7::1')).statusCode).toBe(200);
    });
  });

  it('the stream socket answers the same way: a valid token is let in after many failures from its address', async () => {
    const varDir = mkdtempSync(join(tmpdir(), 'spanwatch-throttle-ws-'));
    const srv = await startServer({ varDir, uiDir: null, port: 0, authFailuresPerMinute: 3, announceToken: () => undefined });
    try {
      const admin = srv.app.spanwatch.users.add('boss', 'admin');
      const url = `${srv.url.replace(/^http/, 'ws')}/api/v1/stream`;
      const reasons: string[] = [];
      for (let i = 0; i < 5; i++) {
        const ws = new WebSocket(url);
        await new Promise((r) => ws.once('open', r));
        const closed = new Promise<string>((r) => ws.once('close', (_c, reason) => r(reason.toString())));
        ws.send(JSON.stringify({ type: 'auth', token: 'swt_wrong' }));
        reasons.push(await closed);
      }
      expect(reasons.at(-1)).toMatch(/too many failed logins/);
      const ok = await openSocket(url, { type: 'auth', token: admin });
      ok.ws.close();
    } finally {
      await srv.close();
      rmSync(varDir, { recursive: true, force: true });
    }
  });
});

describe('TLS in serve', () => {
  it('serves https and wss with the given certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spanwatch-tls-'));
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
    ], { stdio: 'ignore' });
    const cert = readFileSync(certFile, 'utf8');
    const srv = await startServer({ varDir: dir, uiDir: null, port: 0, tls: { cert, key: readFileSync(keyFile) }, announceToken: () => undefined });
    try {
      const admin = srv.app.spanwatch.users.add('boss', 'admin');
      expect(srv.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const body = await new Promise<{ status: number; text: string; protocol: string }>((done, fail) => {
        const req = request(`${srv.url}/api/v1/me`, { ca: cert, headers: { authorization: `Bearer ${admin}` } }, (res) => {
          let text = '';
          const protocol = (res.socket as TLSSocket).getProtocol() ?? '';
          res.on('data', (c) => { text += c; });
          res.on('end', () => done({ status: res.statusCode!, text, protocol }));
        });
        req.on('error', fail);
        req.end();
      });
      expect(body.status).toBe(200);
      expect(JSON.parse(body.text)).toMatchObject({ name: 'boss' });
      expect(body.protocol).toMatch(/^TLSv1\.[23]$/);
      const ws = await openSocket(`${srv.url.replace(/^https/, 'wss')}/api/v1/stream`, { type: 'auth', token: admin }, { ca: cert });
      ws.ws.close();
      // a client that does not trust the certificate is refused by TLS itself
      await expect(fetch(`${srv.url}/api/v1/health`)).rejects.toThrow();
    } finally {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
