// users.json and suppressions.json are changed by serve and the command line at once: every change
// is made under a lock on the current file and written atomically, so none is lost.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserStore } from '../../server/index.ts';
import { SuppressionStore } from '../../server/anomalies/suppressionStore.ts';

const child = join(import.meta.dirname, 'server-ledger-child.ts');
const run = promisify(execFile);
const tsx = (...args: string[]) => run(process.execPath, ['--import', 'tsx', child, ...args], { timeout: 120_000 });

describe('shared JSON files', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'spanwatch-shared-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a store that loaded the file earlier does not overwrite another store\'s change', () => {
    const file = join(dir, 'users.json');
    const serve = new UserStore(file);
    const cli = new UserStore(file);
    serve.add('alice', 'viewer');
    cli.add('bob', 'analyst');
    serve.add('carol', 'admin');
    expect(new UserStore(file).list().map((u) => u.name).sort()).toEqual(['alice', 'bob', 'carol']);
    const s1 = new SuppressionStore(join(dir, 'suppressions.json'));
    const s2 = new SuppressionStore(join(dir, 'suppressions.json'));
    const a = s1.add({ scope: { host: '10.0.0.1' }, reason: 'a', expiresAt: Date.now() + 60_000, createdBy: 'x' });
    s2.add({ scope: { host: '10.0.0.2' }, reason: 'b', expiresAt: Date.now() + 60_000, createdBy: 'y' });
    expect(s1.remove(a.id)?.id).toBe(a.id);
    expect(new SuppressionStore(join(dir, 'suppressions.json')).list().map((s) => s.reason)).toEqual(['b']);
  });

  it('two processes adding users and suppressions concurrently lose nothing; files stay 0600 and no temp file is left', async () => {
    const users = join(dir, 'users.json');
    const supp = join(dir, 'suppressions.json');
    await Promise.all([
      tsx('users', users, 'p1', '60'), tsx('users', users, 'p2', '60'),
      tsx('suppressions', supp, 'p1', '60'), tsx('suppressions', supp, 'p2', '60'),
    ]);
    const names = (JSON.parse(readFileSync(users, 'utf8')) as { users: { name: string }[] }).users.map((u) => u.name);
    expect(names).toHaveLength(120);
    expect(new Set(names).size).toBe(120);
    const reasons = (JSON.parse(readFileSync(supp, 'utf8')) as { suppressions: { reason: string }[] }).suppressions.map((s) => s.reason);
    expect(reasons.filter((r) => r === 'p1')).toHaveLength(60);
    expect(reasons.filter((r) => r === 'p2')).toHaveLength(60);
    expect(statSync(users).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['suppressions.json', 'users.json']);
  });
});
