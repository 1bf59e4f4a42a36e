// Sharded capture (capture/shards) against the single pipeline: on every real capture in
// ../shared/captures and on the capture benchmark's inputs, 2 and 3 workers emit the same windows,
// byte for byte once serialised, as one pipeline on the same packets.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CapturePipeline, openFileSource, type PipelineOptions, type WindowStats } from '../../capture/index.ts';
import { ShardedPipeline } from '../../capture/shards/index.ts';
import { writeRealisticInput, writeSynFloodInput } from '../../bench/captureInputs.ts';

// beside the checkout by default; SPANWATCH_REAL_CAPTURES names another folder (a worktree elsewhere)
const ROOT = process.env.SPANWATCH_REAL_CAPTURES || join(import.meta.dirname, '../../../shared/captures');
const present = existsSync(join(ROOT, 'benign')) && existsSync(join(ROOT, 'attack'));
if (!present) process.stderr.write(`capture-shards: ${ROOT} is absent; only the benchmark inputs are compared\n`);
const dir = mkdtempSync(join(tmpdir(), 'spanwatch-shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Settings = Omit<PipelineOptions, 'sensor'>;

async function single(files: string[], settings: Settings = {}): Promise<string[]> {
  const out: string[] = [];
  await new CapturePipeline({ sensor: 'shards', ...settings }, (w: WindowStats) => out.push(JSON.stringify(w))).run(openFileSource(files));
  return out;
}

async function sharded(files: string[], workers: number, settings: Settings = {}): Promise<string[]> {
  const out: string[] = [];
  await new ShardedPipeline({ sensor: 'shards', workers, ...settings }, (w: WindowStats) => out.push(JSON.stringify(w))).run(openFileSource(files));
  return out;
}

/** The index of the first window that differs, with both texts (null when all are equal). */
function firstDifference(a: string[], b: string[]): { index: number; single?: string; sharded?: string } | null {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return { index: i, single: a[i], sharded: b[i] };
  }
  return null;
}

async function expectSameWindows(file: string | string[], settings: Settings = {}): Promise<void> {
  const files = typeof file === 'string' ? [file] : file;
  const reference = await single(files, settings);
  expect(reference.length).toBeGreaterThan(0);
  for (const workers of [2, 3]) {
    const windows = await sharded(files, workers, settings);
    expect({ workers, windows: windows.length, difference: firstDifference(reference, windows) })
      .toEqual({ workers, windows: reference.length, difference: null });
  }
}

describe.skipIf(!present)('sharded capture on the real captures', () => {
  const files = present
    ? ['benign', 'attack'].flatMap((sub) => readdirSync(join(ROOT, sub)).filter((f) => /\.(pcap|pcapng|cap)$/.test(f)).map((f) => join(ROOT, sub, f)))
    : [];
  for (const file of files) {
    it(`emits the single pipeline's windows on ${file.slice(ROOT.length + 1)}`, () => expectSameWindows(file), 120_000);
  }
  it('emits the single pipeline\'s windows with other settings: 250 ms windows, other local networks, top 5, two files in a row', () => expectSameWindows(
    [join(ROOT, 'benign', 'ndpi_wechat.pcap'), join(ROOT, 'attack', 'scan_ndpi_synscan.pcap')],
    { windowMs: 250, localNets: ['10.0.0.0/8', 'fe80::/10'], topK: 5 },
  ), 120_000);
});

describe('sharded capture when the source fails or stops', () => {
  it('emits the windows before the damage of a cut file, then rejects with the same error as one pipeline', async () => {
    const file = join(dir, 'cut.pcap');
    await writeRealisticInput(file, 30_000, 2_000);
    truncateSync(file, statSync(file).size - 700);
    const run = async (workers: number): Promise<{ windows: string[]; error: string }> => {
      const windows: string[] = [];
      const onWindow = (w: WindowStats): void => { windows.push(JSON.stringify(w)); };
      const pipeline = workers === 1 ? new CapturePipeline({ sensor: 'cut' }, onWindow) : new ShardedPipeline({ sensor: 'cut', workers }, onWindow);
      const error = await pipeline.run(openFileSource([file])).then(() => 'none', (err: Error) => err.message);
      return { windows, error };
    };
    const one = await run(1);
    expect(one.error).toMatch(/cut\.pcap/);
    expect(one.windows.length).toBeGreaterThan(10);
    const two = await run(2);
    expect({ error: two.error, windows: two.windows.length, difference: firstDifference(one.windows, two.windows) })
      .toEqual({ error: one.error, windows: one.windows.length, difference: null });
  }, 120_000);

  it('stop() ends a run: the windows so far are emitted and the workers end', async () => {
    const file = join(dir, 'stopped.pcap');
    await writeRealisticInput(file, 200_000, 2_000);
    const windows: WindowStats[] = [];
    const pipeline = new ShardedPipeline({ sensor: 'stop', workers: 2 }, (w) => {
      windows.push(w);
      if (windows.length === 5) pipeline.stop();
    });
    await pipeline.run(openFileSource([file]));
    const total = pipeline.totals();
    expect(windows.length).toBeGreaterThanOrEqual(5);
    expect(windows.length).toBeLessThan(100);
    // every packet read was counted in a window, and the workers reported their totals
    expect(windows.reduce((n, w) => n + w.health.packetsSeen, 0)).toBe(total.packets);
    expect(total.packets).toBeLessThan(200_000);
  }, 120_000);
});

describe('spanwatch sensor --workers', () => {
  it('writes the same JSON lines with 1 and 2 workers', async () => {
    const file = join(dir, 'cli.pcap');
    await writeRealisticInput(file, 20_000);
    const bin = join(import.meta.dirname, '../../bin/spanwatch');
    const lines = (workers: number): string => {
      const out = join(dir, `cli-${workers}.jsonl`);
      execFileSync(bin, ['sensor', '--no-store', '--sensor', 'cli', '--workers', String(workers), '--jsonl', out, file], { stdio: 'ignore' });
      return readFileSync(out, 'utf8');
    };
    const one = lines(1);
    expect(one.split('\n').length).toBeGreaterThan(10);
    expect(lines(2)).toBe(one);
  }, 120_000);
});

describe('sharded capture on the benchmark inputs', () => {
  it('emits the single pipeline\'s windows on the realistic input (1 M packets)', async () => {
    const file = join(dir, 'realistic.pcap');
    await writeRealisticInput(file, 1_000_000);
    await expectSameWindows(file);
    rmSync(file);
  }, 600_000);

  it('emits the single pipeline\'s windows on the realistic input re-timed to 200,000 packets/s (full windows)', async () => {
    const file = join(dir, 'realistic-dense.pcap');
    await writeRealisticInput(file, 600_000, 200_000);
    await expectSameWindows(file);
    rmSync(file);
  }, 600_000);

  it('emits the single pipeline\'s windows on the SYN flood (1 M packets, a new flow each)', async () => {
    const file = join(dir, 'synflood.pcap');
    await writeSynFloodInput(file, 1_000_000);
    await expectSameWindows(file);
    rmSync(file);
  }, 600_000);
});
