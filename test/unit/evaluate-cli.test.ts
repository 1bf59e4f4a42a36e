// `spanwatch evaluate` refuses what it cannot score before it loads anything: the first-weekend
// check on labels without a weekday baseline, and labels that are not a labels file.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../bin/spanwatch');
let dir: string;

async function spanwatch(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(CLI, args, { encoding: 'utf8' });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spanwatch-evaluate-cli-'));
  // an office labels file: no calendar, no weekday baseline
  await writeFile(join(dir, 'labels.json'), JSON.stringify({
    version: 1, seed: 1, files: ['day-1.pcap'], localNets: ['10.0.0.0/24'], trainRange: { start: 0, end: 86_400_000 }, incidents: [], normalPeaks: [],
  }));
  await writeFile(join(dir, 'other.json'), JSON.stringify({ version: 2 }));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('spanwatch evaluate: refusals', () => {
  it('refuses the first-weekend check on labels without a weekday baseline', async () => {
    const r = await spanwatch(['evaluate', '--model', join(dir, 'no-model'), '--labels', join(dir, 'labels.json'), '--first-weekend']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--first-weekend: .*labels\.json has no weekdayBaseline/);
  });
  it('refuses a file that is not a labels file, naming its version', async () => {
    const r = await spanwatch(['evaluate', '--model', join(dir, 'no-model'), '--labels', join(dir, 'other.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/version is 2, expected 1/);
  });
});
