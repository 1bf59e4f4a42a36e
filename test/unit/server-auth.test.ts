import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, hashToken, type Role } from '../../server/index.ts';
import { testServer, type TestServer } from './server-fixtures.ts';

const BELOW: Record<string, Role[]> = {
  viewer: ['sensor'],
  analyst: ['viewer', 'sensor'],
  admin: ['viewer', 'analyst', 'sensor'],
  sensor: ['viewer', 'analyst', 'admin'],
};

function concrete(url: string): string {
  return url.replace(/:[A-Za-z]+/g, 'x');
}

describe('server auth', () => {
  let t: TestServer;
  beforeAll(async () => { t = await testServer(); });
  afterAll(async () => { await t.cleanup(); });

  it('registers the API routes the matrix below covers', () => {
    const api = t.app.routeTable.filter((r) => r.url.startsWith('/api/v1/') && !r.websocket);
    expect(api.length).toBeGreaterThanOrEqual(25);
    expect(api.filter((r) => r.access === 'public').map((r) => r.url)).toEqual(['/api/v1/health']);
  });

  it('every non-public HTTP route answers 401 without a token and with a wrong one, 403 to a lower role', async () => {
    const routes = t.app.routeTable.filter((r) => r.url.startsWith('/api/') && !r.websocket && r.access !== 'public');
    const failures: string[] = [];
    for (const r of routes) {
      const url = concrete(r.url);
      const none = await t.app.inject({ method: r.method as 'GET', url, payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
      if (none.statusCode !== 401) failures.push(`${r.method} ${r.url} without token → ${none.statusCode}`);
      const wrong = await t.app.inject({ method: r.method as 'GET', url, headers: { authorization: 'Bearer swt_nope' } });
      if (wrong.statusCode !== 401) failures.push(`${r.method} ${r.url} wrong token → ${wrong.statusCode}`);
      for (const role of BELOW[r.access] ?? []) {
        const res = await t.app.inject({ method: r.method as 'GET', url, headers: t.auth(role), payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
        if (res.statusCode !== 403) failures.push(`${r.method} ${r.url} as ${role} → ${res.statusCode}`);
      }
      const allowed = r.access === 'sensor' ? 'sensor' : r.access as Role;
      const ok = await t.app.inject({ method: r.method as 'GET', url, headers: t.auth(allowed), payload: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
      if (ok.statusCode === 401 || ok.statusCode === 403) failures.push(`${r.method} ${r.url} as ${allowed} → ${ok.statusCode}`);
    }
    expect(failures).toEqual([]);
  });

  it('health is public and every response carries the CSP the UI is built for', async () => {
    const res = await t.app.inject({ url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:"]) expect(csp).toContain(d);
    // connections (fetch, WebSocket) only to this origin: no ws:/wss: to any host
    expect(csp.split(';').map((d) => d.trim()).filter((d) => d.startsWith('connect-src'))).toEqual(["connect-src 'self'"]);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('/me names the user of the token', async () => {
    const res = await t.app.inject({ url: '/api/v1/me', headers: t.auth('analyst') });
    expect(res.json()).toMatchObject({ name: 'analyst1', role: 'analyst' });
  });

  it('stores only token hashes, in a 0600 file', () => {
    const file = join(t.varDir, 'users.json');
    const text = readFileSync(file, 'utf8');
    for (const token of Object.values(t.tokens)) {
      expect(token).toMatch(/^swt_[A-Za-z0-9_-]{43}$/);
      expect(text).not.toContain(token);
      expect(text).toContain(hashToken(token));
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a removed user\'s token stops working, and user changes are audited', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: t.auth('admin'), payload: { name: 'temp', role: 'viewer' } });
    expect(created.statusCode).toBe(201);
    const token = created.json().token as string;
    expect((await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/users/temp', headers: t.auth('admin') })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    const audit = await t.app.inject({ url: '/api/v1/audit?target=user:temp', headers: t.auth('admin') });
    expect(audit.json().entries.map((e: { action: string }) => e.action)).toEqual(['user.add', 'user.remove']);
  });

  it('the first write with a token is audited as token use', async () => {
    const audit = await t.app.inject({ url: '/api/v1/audit?action=token.use', headers: t.auth('admin') });
    expect(audit.json().entries.some((e: { user: string }) => e.user === 'admin1')).toBe(true);
  });
});

describe('server auth failure limit', () => {
  it('answers 429 to wrong tokens past the limit from one address, while a good token from there still works', async () => {
    const varDir = mkdtempSync(join(tmpdir(), 'spanwatch-limit-'));
    const app = await buildServer({ varDir, uiDir: null, authFailuresPerMinute: 5 });
    try {
      const token = app.spanwatch.users.add('v', 'viewer');
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) codes.push((await app.inject({ url: '/api/v1/me', headers: { authorization: 'Bearer swt_wrong' } })).statusCode);
      expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429]);
      const sameAddress = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
      expect(sameAddress.statusCode).toBe(200);
      const other = await app.inject({ url: '/api/v1/me', remoteAddress: '127.0.0.9', headers: { authorization: `Bearer ${token}` } });
      expect(other.statusCode).toBe(200);
    } finally {
      await app.close();
      rmSync(varDir, { recursive: true, force: true });
    }
  });
});
