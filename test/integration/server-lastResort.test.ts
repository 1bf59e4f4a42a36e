// The process-level net under the server: an exception nothing caught, or a rejected promise
// nothing awaited, is logged and the server keeps answering (Node's default would exit).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('last-resort handler', () => {
  it('logs an uncaught exception and an unhandled rejection, and keeps serving', async () => {
    const varDir = mkdtempSync(join(tmpdir(), 'spanwatch-last-resort-'));
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'server-lastResort-child.ts'), varDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let exited: number | null | undefined;
    child.stdout.on('data', (d) => { stdout += String(d); });
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.once('exit', (code) => { exited = code; });
    try {
      const deadline = Date.now() + 30_000;
      while (!(stdout.includes('boom in a timer') && stdout.includes('boom in a promise')) && exited === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(exited, stderr).toBeUndefined();
      const url = /listening on (http:\/\/\S+)/.exec(stderr)![1]!;
      expect((await fetch(`${url}/api/v1/health`)).status).toBe(200);
      expect(stdout).toContain('uncaught exception (still serving): Error: boom in a timer');
      expect(stdout).toContain('unhandled promise rejection (still serving): Error: boom in a promise');
    } finally {
      child.kill('SIGKILL');
      rmSync(varDir, { recursive: true, force: true });
    }
  }, 60_000);
});
