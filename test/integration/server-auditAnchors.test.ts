// Audit anchors on a real InfluxDB and a syslog receiver: serve checkpoints the log's head
// periodically, and verification (API and CLI) catches a log cut short behind the anchor.
import { spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, InfluxAuditAnchors, type SpanwatchServer } from '../../server/index.ts';
import { connectStore, latestAuditAnchor, type StoreConnection } from '../../store/index.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';

const bin = join(import.meta.dirname, '../../bin/spanwatch');

describe('audit anchors', () => {
  let db: FreshDatabase;
  let conn: StoreConnection;
  let varDir: string;
  let app: SpanwatchServer;
  let admin: string;
  let syslog: Socket;
  const received: string[] = [];

  beforeAll(async () => {
    db = await freshDatabase('anchors');
    conn = await connectStore({ url: db.url, database: db.name });
    varDir = mkdtempSync(join(tmpdir(), 'spanwatch-anchors-'));
    syslog = createSocket('udp4');
    syslog.on('message', (m) => received.push(m.toString()));
    await new Promise<void>((r) => syslog.bind(0, '127.0.0.1', () => r()));
    app = await buildServer({
      varDir, uiDir: null, auditAnchors: new InfluxAuditAnchors(conn), auditAnchorEveryMs: 200,
      alerts: { level: 'critical', syslog: `udp://127.0.0.1:${syslog.address().port}` },
    });
    await app.ready();
    admin = app.spanwatch.users.add('boss', 'admin');
  });
  afterAll(async () => {
    await app.close();
    syslog.close();
    await db.drop();
    rmSync(varDir, { recursive: true, force: true });
  });

  const addUser = (name: string) => app.inject({ method: 'POST', url: '/api/v1/users', headers: { authorization: `Bearer ${admin}` }, payload: { name, role: 'viewer' } });
  const logLines = () => readFileSync(join(varDir, 'audit.log'), 'utf8').trimEnd().split('\n');

  it('anchors the head periodically in InfluxDB (audit_anchor) and syslog', async () => {
    for (const n of ['u1', 'u2', 'u3', 'u4', 'u5']) expect((await addUser(n)).statusCode).toBe(201);
    const head = JSON.parse(logLines().at(-1)!) as { seq: number; hash: string };
    const ledger = JSON.parse(readFileSync(join(varDir, 'audit.key'), 'utf8')).ledger as string;
    const deadline = Date.now() + 20_000;
    let stored = await latestAuditAnchor(conn, ledger);
    while ((stored?.seq ?? 0) < head.seq && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      stored = await latestAuditAnchor(conn, ledger);
    }
    expect(stored).toMatchObject({ ledger, seq: head.seq, hash: head.hash });
    const msg = received.find((m) => m.includes(`seq="${head.seq}"`));
    expect(msg).toMatch(new RegExp(`^<85>1 \\S+ \\S+ spanwatch - audit-anchor \\[spanwatch@32473 ledger="${ledger}" seq="${head.seq}" hash="${head.hash}"\\]`));
    const verify = await app.inject({ url: '/api/v1/audit/verify', headers: { authorization: `Bearer ${admin}` } });
    expect(verify.json()).toMatchObject({ ok: true, keyedFrom: 1, macsChecked: true, anchor: { seq: head.seq, hash: head.hash } });
  });

  it('a log cut short behind the anchor is reported as truncated by the API and by `spanwatch audit verify`', async () => {
    const ledger = JSON.parse(readFileSync(join(varDir, 'audit.key'), 'utf8')).ledger as string;
    const anchor = (await latestAuditAnchor(conn, ledger))!;
    app.spanwatch.anchoring.stop();
    const kept = logLines().slice(0, anchor.seq - 2);
    writeFileSync(join(varDir, 'audit.log'), kept.join('\n') + '\n');
    const api = (await app.inject({ url: '/api/v1/audit/verify', headers: { authorization: `Bearer ${admin}` } })).json() as { ok: boolean; firstBad: { problem: string } };
    expect(api.ok).toBe(false);
    expect(api.firstBad.problem).toMatch(new RegExp(`^truncated: the latest anchor \\(seq ${anchor.seq}, .*\\) is beyond the end of the log \\(last seq ${anchor.seq - 2}\\)`));
    const env = { ...process.env, SPANWATCH_VAR: varDir };
    const viaInflux = spawnSync(bin, ['audit', 'verify', '--influx', db.url, '--influx-db', db.name], { encoding: 'utf8', env, timeout: 60_000 });
    expect(viaInflux.status).toBe(1);
    expect(viaInflux.stdout).toMatch(/BROKEN at line \d+ \(seq \d+\): truncated: the latest anchor/);
    const viaSyslog = spawnSync(bin, ['audit', 'verify', '--anchor', `${anchor.seq}:${anchor.hash}`], { encoding: 'utf8', env, timeout: 60_000 });
    expect(viaSyslog.status).toBe(1);
    expect(viaSyslog.stdout).toContain('truncated');
    const blind = spawnSync(bin, ['audit', 'verify', '--no-store'], { encoding: 'utf8', env, timeout: 60_000 });
    expect(blind.status).toBe(0);
    expect(blind.stdout).toMatch(/intact, \d+ entries \(keyed from seq 1\)\nnote: no anchor to check against/);
  });
});
