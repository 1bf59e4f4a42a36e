// `spanwatch user` and `spanwatch audit` as a person at the terminal uses them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../server/index.ts';

const bin = join(import.meta.dirname, '../../bin/spanwatch');
let dir: string;
const run = (args: string[]) => spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, SPANWATCH_VAR: dir }, timeout: 60_000 });

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'spanwatch-cli-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spanwatch user / audit', () => {
  it('adds a user, prints its token once, stores only the hash, audits it; verify finds the chain intact', () => {
    const add = run(['user', 'add', 'alice', '--role', 'analyst']);
    expect(add.status).toBe(0);
    const token = add.stdout.trim();
    expect(token).toMatch(/^swt_[A-Za-z0-9_-]{43}$/);
    const users = readFileSync(join(dir, 'users.json'), 'utf8');
    expect(users).not.toContain(token);
    expect(users).toContain(hashToken(token));
    expect(run(['user', 'add', 'bob', '--role', 'sensor']).status).toBe(0);
    const list = run(['user', 'list']);
    expect(list.stdout).toMatch(/^alice\s+analyst\s/m);
    expect(list.stdout).toMatch(/^bob\s+sensor\s/m);
    expect(run(['user', 'remove', 'bob']).status).toBe(0);
    const bad = run(['user', 'add', 'carol', '--role', 'root']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--role must be viewer, analyst, admin or sensor');
    const verify = run(['audit', 'verify']);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toContain('intact, 3 entries');
  });

  it('audit verify names the edited line and exits 1', () => {
    const file = join(dir, 'audit.log');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    lines[1] = lines[1]!.replace('"role":"sensor"', '"role":"admin"');
    const edited = join(dir, 'edited.log');
    writeFileSync(edited, lines.join('\n') + '\n');
    const r = run(['audit', 'verify', '--file', edited]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('BROKEN at line 2 (seq 2): edited');
  });

  it('audit export writes the entries about one anomaly as JSON', () => {
    const r = run(['audit', 'export', '--anomaly', 'none-such']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { anomalyId: string; audit: unknown[]; auditChain: { ok: boolean } };
    expect(out).toMatchObject({ anomalyId: 'none-such', audit: [], auditChain: { ok: true } });
  });

  it('audit verify catches an edited, reordered, removed, truncated or re-keyed log, each by name', () => {
    for (const n of ['x1', 'x2', 'x3', 'x4']) expect(run(['user', 'add', n, '--role', 'viewer']).status).toBe(0);
    const file = join(dir, 'audit.log');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const last = JSON.parse(lines.at(-1)!) as { seq: number; hash: string };
    const check = (name: string, ls: string[], args: string[] = []) => {
      const copy = join(dir, `${name}.log`);
      writeFileSync(copy, ls.join('\n') + '\n');
      const r = run(['audit', 'verify', '--file', copy, '--key', join(dir, 'audit.key'), '--no-store', ...args]);
      return { status: r.status, out: r.stdout };
    };
    const edited = [...lines];
    edited[2] = JSON.stringify({ ...JSON.parse(edited[2]!), target: 'user:someone-else' });
    expect(check('edited', edited)).toMatchObject({ status: 1, out: expect.stringMatching(/BROKEN at line 3 \(seq 3\): edited/) });
    const reordered = [...lines];
    [reordered[3], reordered[4]] = [reordered[4]!, reordered[3]!];
    expect(check('reordered', reordered)).toMatchObject({ status: 1, out: expect.stringMatching(/BROKEN at line 4 \(seq 5\): reordered/) });
    const removed = lines.filter((_, i) => i !== 2);
    expect(check('removed', removed)).toMatchObject({ status: 1, out: expect.stringMatching(/BROKEN at line 3 \(seq 4\): removed/) });
    const truncated = lines.slice(0, -2);
    expect(check('truncated', truncated, ['--anchor', `${last.seq}:${last.hash}`])).toMatchObject({ status: 1, out: expect.stringMatching(/: truncated: the latest anchor/) });
    const unkeyed = lines.map((l) => {
      const { alg: _a, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    expect(check('unkeyed', unkeyed)).toMatchObject({ status: 1, out: expect.stringMatching(/BROKEN at line 1 \(seq 1\): unkeyed/) });
    expect(check('intact', lines, ['--anchor', `${last.seq}:${last.hash}`])).toMatchObject({ status: 0, out: expect.stringMatching(/intact, \d+ entries \(keyed from seq 1, end checked against the anchor/) });
  });
});
