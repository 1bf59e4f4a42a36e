import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, buildServer, verifyAuditText, type AuditAnchor } from '../../server/index.ts';

const child = join(import.meta.dirname, 'server-ledger-child.ts');
const run = promisify(execFile);
const tsx = (...args: string[]) => run(process.execPath, ['--import', 'tsx', child, ...args], { timeout: 120_000 });

/** SHA-256 over the sorted-key JSON of the entry without its hash: what anyone can compute without the key. */
function sha256Of(body: Record<string, unknown>): string {
  const canon = (v: unknown): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canon(o[k])}`).join(',')}}`;
  };
  return createHash('sha256').update(canon(body)).digest('hex');
}

describe('audit ledger', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spanwatch-audit-'));
    file = join(dir, 'audit.log');
    const log = new AuditLog(file);
    // concurrent appends must still form one linear chain
    await Promise.all(Array.from({ length: 6 }, (_, i) => log.append({ user: 'ann', action: 'anomaly.comment', target: `anomaly:a${i}`, details: { note: `n${i}` } })));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lines = () => readFileSync(file, 'utf8').trimEnd().split('\n');
  const write = (ls: string[]) => writeFileSync(file, ls.join('\n') + '\n');
  const verify = (anchor: AuditAnchor | null = null) => new AuditLog(file).verify(anchor);
  const anchorOf = (seq: number): AuditAnchor => ({ ledger: 'l', seq, hash: JSON.parse(lines()[seq - 1]!).hash, at: Date.now() });

  it('an untouched log verifies: seq 1..n, each keyed and linked, the key outside the log with mode 0600', async () => {
    const entries = lines().map((l) => JSON.parse(l));
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const e of entries) expect(e.alg).toBe('hmac-sha256');
    for (let i = 1; i < entries.length; i++) expect(entries[i].prevHash).toBe(entries[i - 1].hash);
    const key = join(dir, 'audit.key');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(JSON.parse(readFileSync(key, 'utf8')).key);
    const r = await verify(anchorOf(6));
    expect(r).toMatchObject({ ok: true, entries: 6, keyedFrom: 1, macsChecked: true, repairs: [] });
    expect(r.anchor?.seq).toBe(6);
  });

  it('a reopened log continues the chain', async () => {
    const log = new AuditLog(file);
    const e = await log.append({ user: 'bob', action: 'user.add', target: 'user:x' });
    expect(e.seq).toBe(7);
    expect(e.prevHash).toBe(JSON.parse(lines()[5]!).hash);
    expect((await log.verify()).ok).toBe(true);
  });

  it('entries() follows appends from another writer and re-reads a replaced file', async () => {
    const reader = new AuditLog(file);
    expect(await reader.entries()).toHaveLength(6);
    await new AuditLog(file).append({ user: 'cli:root', action: 'user.add', target: 'user:z' });
    expect((await reader.entries()).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    write(lines().slice(0, 2));
    expect((await reader.entries()).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('detects an edited entry', async () => {
    const ls = lines();
    ls[2] = ls[2]!.replace('"user":"ann"', '"user":"eve"');
    write(ls);
    expect((await verify()).firstBad).toEqual({ line: 3, seq: 3, problem: 'edited: the entry\'s content does not match its HMAC (changed, or written without the key)' });
  });

  it('detects a removed entry', async () => {
    const ls = lines();
    ls.splice(3, 1);
    write(ls);
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ line: 4, seq: 5 });
    expect(r.firstBad!.problem).toMatch(/^removed: expected seq 4, found 5/);
  });

  it('detects reordered entries', async () => {
    const ls = lines();
    [ls[1], ls[2]] = [ls[2]!, ls[1]!];
    write(ls);
    expect((await verify()).firstBad).toEqual({ line: 2, seq: 3, problem: 'reordered: seq 3 appears before seq 2' });
    const ls3 = lines();
    [ls3[1], ls3[2]] = [ls3[2]!, ls3[1]!];
    ls3.push(ls3[0]!);
    write(ls3);
    expect((await verify()).firstBad).toMatchObject({ line: 7, seq: 1, problem: 'reordered: seq 1 appears after seq 6' });
  });

  it('detects truncation against the latest anchor, and says it cannot without one', async () => {
    const anchor = anchorOf(6);
    write(lines().slice(0, 4));
    const r = await verify(anchor);
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ line: 5, seq: 6 });
    expect(r.firstBad!.problem).toMatch(/^truncated: the latest anchor \(seq 6, .*\) is beyond the end of the log \(last seq 4\); at least 2 entries were removed from the end$/);
    const blind = await verify(null);
    expect(blind.ok).toBe(true);
    expect(blind.notes.join('\n')).toMatch(/no anchor to check against/);
  });

  it('detects the whole chain rewritten without the key, whichever rule the forger uses', async () => {
    const original = lines();
    // 1. recomputed with the old unkeyed SHA-256 rule (what the previous format allowed)
    let prev = '0'.repeat(64);
    const unkeyed = original.map((l) => {
      const { hash: _h, alg: _a, ...body } = JSON.parse(l);
      if (body.seq === 3) body.user = 'eve';
      body.prevHash = prev;
      const hash = sha256Of(body);
      prev = hash;
      return JSON.stringify({ ...body, hash });
    });
    write(unkeyed);
    const r1 = await verify();
    expect(r1.firstBad).toMatchObject({ line: 1, seq: 1 });
    expect(r1.firstBad!.problem).toMatch(/^unkeyed: seq 1 has no HMAC although the log is keyed from seq 1/);
    // 2. recomputed as "keyed" entries under a key the forger made up
    const { createHmac } = await import('node:crypto');
    prev = '0'.repeat(64);
    const guessed = original.map((l) => {
      const { hash: _h, ...body } = JSON.parse(l);
      if (body.seq === 3) body.user = 'eve';
      body.prevHash = prev;
      const keys = Object.keys(body).sort();
      const hash = createHmac('sha256', 'guess').update(`{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(body[k])}`).join(',')}}`).digest('hex');
      prev = hash;
      return JSON.stringify({ ...body, hash });
    });
    write(guessed);
    expect((await verify()).firstBad).toMatchObject({ line: 1, seq: 1, problem: expect.stringMatching(/^edited: .* HMAC/) });
  });

  it('a torn last line is kept aside, reported in the log and by verify, and the chain continues', async () => {
    const full = lines();
    const partial = full[5]!.slice(0, 40);
    write(full.slice(0, 5));
    appendFileSync(file, partial);
    // before repair, the text itself says what is wrong
    expect(verifyAuditText(readFileSync(file, 'utf8')).firstBad).toMatchObject({ line: 6, problem: expect.stringMatching(/^torn: the last line is incomplete/) });
    const log = new AuditLog(file);
    const next = await log.append({ user: 'bob', action: 'user.add', target: 'user:y' });
    const side = readFileSync(`${file}.torn`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(side).toHaveLength(1);
    expect(side[0]).toMatchObject({ text: partial, bytes: Buffer.byteLength(partial) });
    const entries = lines().map((l) => JSON.parse(l));
    expect(entries.map((e) => e.action)).toEqual([...Array(5).fill('anomaly.comment'), 'audit.repair', 'user.add']);
    expect(entries[5]).toMatchObject({ seq: 6, user: 'system', details: { bytes: Buffer.byteLength(partial), sideFile: 'audit.log.torn' } });
    expect(next.seq).toBe(7);
    const r = await verify();
    expect(r.ok).toBe(true);
    expect(r.repairs).toEqual([{ seq: 6, bytes: Buffer.byteLength(partial), sideFile: 'audit.log.torn' }]);
  });

  it('verify repairs a torn tail at open too', async () => {
    appendFileSync(file, '{"seq":7,"ti');
    const r = await verify();
    expect(r).toMatchObject({ ok: true, entries: 7, repairs: [{ seq: 7, bytes: 12 }] });
    expect(existsSync(`${file}.torn`)).toBe(true);
  });
});

describe('audit ledger migration from the unkeyed chain', () => {
  it('verifies the old entries with the old rule up to where keyed entries start, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spanwatch-audit-legacy-'));
    try {
      const file = join(dir, 'audit.log');
      let prev = '0'.repeat(64);
      const legacy = [1, 2, 3].map((seq) => {
        const body = { seq, time: new Date(1_700_000_000_000 + seq).toISOString(), user: 'old', action: 'user.add', target: `user:u${seq}`, details: {}, prevHash: prev };
        const hash = sha256Of(body);
        prev = hash;
        return JSON.stringify({ ...body, hash });
      });
      writeFileSync(file, legacy.join('\n') + '\n');
      const before = await new AuditLog(file).verify();
      expect(before).toMatchObject({ ok: true, entries: 3, keyedFrom: null });
      expect(before.notes.join('\n')).toMatch(/no audit key yet/);
      // serve keys the log at start, from the next seq on
      const app = await buildServer({ varDir: dir, uiDir: null });
      await app.close();
      const key = JSON.parse(readFileSync(join(dir, 'audit.key'), 'utf8')) as { keyedFrom: number };
      expect(key.keyedFrom).toBe(4);
      expect(statSync(join(dir, 'audit.key')).mode & 0o777).toBe(0o600);
      const e = await new AuditLog(file).append({ user: 'new', action: 'user.add', target: 'user:n' });
      expect(e).toMatchObject({ seq: 4, alg: 'hmac-sha256', prevHash: prev });
      const after = await new AuditLog(file).verify();
      expect(after).toMatchObject({ ok: true, entries: 4, keyedFrom: 4, macsChecked: true });
      expect(after.notes).toContain('entries 1-3 predate the audit key and were checked with the unkeyed SHA-256 rule; keyed entries start at seq 4');
      // the old part is still held to the old rule
      const ls = readFileSync(file, 'utf8').trimEnd().split('\n');
      ls[1] = ls[1]!.replace('"user":"old"', '"user":"eve"');
      writeFileSync(file, ls.join('\n') + '\n');
      expect((await new AuditLog(file).verify()).firstBad).toMatchObject({ line: 2, problem: 'edited: the entry\'s content does not match its hash' });
      // dropping the legacy part entirely is seen: the key remembers how long the log was
      writeFileSync(file, '');
      expect((await new AuditLog(file).verify()).firstBad?.problem).toMatch(/^truncated: the log had 3 entries when it was keyed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('audit ledger across processes', () => {
  it('two processes appending 200 entries each concurrently keep one chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spanwatch-audit-procs-'));
    try {
      const file = join(dir, 'audit.log');
      await Promise.all([tsx('audit', file, 'p1', '200', 'p2'), tsx('audit', file, 'p2', '200', 'p1')]);
      const entries = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; user: string });
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
      expect(entries.filter((e) => e.user === 'p1')).toHaveLength(200);
      expect(entries.filter((e) => e.user === 'p2')).toHaveLength(200);
      // both really appended at the same time: each one's first entry precedes the other's last
      const first = (u: string) => entries.findIndex((e) => e.user === u);
      const last = (u: string) => entries.findLastIndex((e) => e.user === u);
      expect(first('p1')).toBeLessThan(last('p2'));
      expect(first('p2')).toBeLessThan(last('p1'));
      expect(await new AuditLog(file).verify()).toMatchObject({ ok: true, entries: 400 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
