import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, verifyAuditText } from '../../server/index.ts';

describe('audit log hash chain', () => {
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

  it('an untouched log verifies, with seq 1..n each linked to the previous hash', async () => {
    const entries = lines().map((l) => JSON.parse(l));
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    for (let i = 1; i < entries.length; i++) expect(entries[i].prevHash).toBe(entries[i - 1].hash);
    expect(await new AuditLog(file).verify()).toEqual({ ok: true, entries: 6 });
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

  it('detects an edited line', () => {
    const ls = lines();
    ls[2] = ls[2]!.replace('"user":"ann"', '"user":"eve"');
    write(ls);
    expect(verifyAuditText(readFileSync(file, 'utf8'))).toEqual({
      ok: false, entries: 2, firstBad: { line: 3, seq: 3, problem: 'edited: the entry\'s content does not match its hash' },
    });
  });

  it('detects a deleted line', () => {
    const ls = lines();
    ls.splice(3, 1);
    write(ls);
    const r = verifyAuditText(readFileSync(file, 'utf8'));
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ line: 4, seq: 5 });
    expect(r.firstBad!.problem).toMatch(/^removed: expected seq 4, found 5/);
  });

  it('detects reordered lines', () => {
    const ls = lines();
    [ls[1], ls[2]] = [ls[2]!, ls[1]!];
    write(ls);
    const r = verifyAuditText(readFileSync(file, 'utf8'));
    expect(r.firstBad).toEqual({ line: 2, seq: 3, problem: 'reordered: seq 3 appears before seq 2' });
    const ls2 = lines();
    [ls2[1], ls2[2]] = [ls2[2]!, ls2[1]!];
    // swapping back restores it
    write(ls2);
    expect(verifyAuditText(readFileSync(file, 'utf8')).ok).toBe(true);
    const ls3 = lines();
    ls3.push(ls3[0]!);
    write(ls3);
    expect(verifyAuditText(readFileSync(file, 'utf8')).firstBad).toMatchObject({ line: 7, seq: 1, problem: 'reordered: seq 1 appears after seq 6' });
  });

  it('detects a line replaced by a forged entry with a fresh hash', async () => {
    const { createHash } = await import('node:crypto');
    const ls = lines();
    const e = JSON.parse(ls[1]!);
    e.user = 'eve';
    e.prevHash = '0'.repeat(64);
    const { hash: _drop, ...body } = e;
    const keys = Object.keys(body).sort();
    e.hash = createHash('sha256').update(`{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(body[k])}`).join(',')}}`).digest('hex');
    ls[1] = JSON.stringify(e);
    write(ls);
    expect(verifyAuditText(readFileSync(file, 'utf8')).firstBad).toMatchObject({ line: 2, seq: 2, problem: expect.stringMatching(/^re-linked/) });
  });

  it('the deleted first line is detected', () => {
    write(lines().slice(1));
    expect(verifyAuditText(readFileSync(file, 'utf8')).firstBad).toMatchObject({ line: 1, seq: 2 });
  });
});
