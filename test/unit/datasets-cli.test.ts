// `spanwatch generate` end to end: flags, summary, files, and errors that name the flag.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
  dir = await mkdtemp(join(tmpdir(), 'spanwatch-generate-cli-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('spanwatch generate', () => {
  it('writes the dataset and prints a summary with files, packets and incidents', async () => {
    const out = join(dir, 'ds');
    // left from an earlier, longer run: must not pass for part of the new dataset
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'day-3.pcap'), 'stale');
    await writeFile(join(out, 'notes.txt'), 'mine');
    const r = await spanwatch(['generate', '--out', out, '--seed', '5', '--days', '2', '--scale', '0.02', '--hosts', '3', '--start', '2024-06-03']);
    expect(r.stderr).toMatch(/generating day 2\/2, 24:00 done/);
    expect(r.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['criticality.json', 'day-1.pcap', 'day-2.pcap', 'ioc.txt', 'labels.json', 'manifest.json', 'notes.txt']);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { packets: number; parameters: { start: number } };
    expect(manifest.parameters.start).toBe(Date.UTC(2024, 5, 3));
    expect(r.stdout).toContain(`${manifest.packets.toLocaleString('en-US')} packets`);
    expect(r.stdout).toMatch(/incidents: 12/);
    expect(r.stdout).toMatch(/scan-vertical/);
  });

  it('rejects bad flags with exit status 2 and a message naming the flag', async () => {
    const bad = await spanwatch(['generate', '--out', join(dir, 'x'), '--start', '2024-13-01']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--start '2024-13-01' is not a date/);
    const preset = await spanwatch(['generate', '--preset', 'huge']);
    expect(preset.code).toBe(2);
    expect(preset.stderr).toMatch(/--preset 'huge' is unknown; use demo, test, enterprise, enterprise-test/);
    const noOut = await spanwatch(['generate', '--days', '2']);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/give --out DIR/);
    const oneDay = await spanwatch(['generate', '--out', join(dir, 'y'), '--days', '1']);
    expect(oneDay.code).toBe(2);
    expect(oneDay.stderr).toMatch(/at least 2 days/);
  });
});
