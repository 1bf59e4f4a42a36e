// `spanwatch train` from JSON lines (versions, --exclude, --promote, --list, --rollback, bad input)
// and the sensor's detection stage (bin/sinks/detect.ts) on a saved model.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anomaly } from '../../model/index.ts';
import { openDetection } from '../../bin/sinks/detect.ts';
import { DAY_MS, REMOTES, T0, finishWindow, hostStats, normalWindow, rng, syntheticWindows } from '../../datasets/synthetic/index.ts';

const BIN = join(import.meta.dirname, '../../bin/spanwatch');
let dir: string;
let models: string;

function spanwatch(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, SPANWATCH_CONFIG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'model-cli-'));
  models = join(dir, 'models');
  const lines = [...syntheticWindows({ windows: 1440, windowMs: 60_000 })].map((w) => JSON.stringify({ type: 'window', data: w }));
  lines.splice(5, 0, JSON.stringify({ type: 'anomaly', data: { id: 'x' } }));
  writeFileSync(join(dir, 'day.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'exclude.json'), JSON.stringify([{ start: new Date(T0).toISOString(), end: T0 + 10 * 60_000, id: 'confirmed-1' }]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spanwatch train', () => {
  it('trains from JSON lines, leaves out excluded ranges, writes a version and promotes it', () => {
    const r = spanwatch('train', '--jsonl', join(dir, 'day.jsonl'), '--exclude', join(dir, 'exclude.json'), '--epochs', '1', '--models', models, '--promote');
    expect(r.stderr).toMatch(/training: epoch 1\/1/);
    expect(r.code).toBe(0);
    const folder = r.stdout.trim();
    const meta = JSON.parse(readFileSync(join(folder, 'meta.json'), 'utf8'));
    expect(meta.training.windows).toBe(1430);
    expect(meta.training.excludedWindows).toBe(10);
    expect(meta.training.sources).toEqual([`jsonl:${join(dir, 'day.jsonl')}`]);
    expect(readFileSync(join(models, 'LIVE'), 'utf8').trim()).toBe(meta.version);
    const second = spanwatch('train', '--jsonl', join(dir, 'day.jsonl'), '--epochs', '1', '--seed', '2', '--models', models);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/not live/);
    const list = spanwatch('train', '--list', '--models', models).stdout.trim().split('\n');
    expect(list).toHaveLength(2);
    expect(list.filter((l) => l.startsWith('*'))).toEqual([expect.stringContaining(meta.version)]);
    const back = spanwatch('train', '--rollback', '--models', models);
    expect(back.code).toBe(1);
    expect(back.stderr).toMatch(/nothing to roll back/);
  });
  it('says how much data it needs, and rejects a bad input choice', () => {
    writeFileSync(join(dir, 'short.jsonl'), [...syntheticWindows({ windows: 20, windowMs: 1000 })].map((w) => JSON.stringify({ type: 'window', data: w })).join('\n'));
    const r = spanwatch('train', '--jsonl', join(dir, 'short.jsonl'), '--models', models);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/at least 300 windows .* got only 20 windows/);
    const none = spanwatch('train', '--models', models);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/exactly one input/);
  });
});

describe('sensor detection stage', () => {
  it('scores windows with the live model and ends open incidents when finished', async () => {
    const published: Anomaly[] = [];
    const stage = await openDetection({ model: 'latest', models }, { sensor: 'office', windowMs: 60_000, log: () => {} });
    expect(stage).not.toBeNull();
    const r = rng(3);
    const start = T0 + DAY_MS + 11 * 3_600_000;
    for (let i = 0; i < 5; i++) {
      const w = normalWindow(start + i * 60_000, 60_000, r);
      if (i >= 3) {
        const b = 9_000_000 * 60;
        w.topLocalHosts.push(hostStats('10.0.0.9', b, b / 50));
        w.topRemoteEndpoints.unshift({ host: REMOTES[1]!, bytesOut: b, bytesIn: b / 50, packets: b / 1000, flows: 1, localHosts: 1, topPort: 443 });
      }
      published.push(...stage!.detection.process(finishWindow(w)));
    }
    expect(published.some((a) => a.kind === 'outbound-spike' && a.ongoing && a.sensor === 'office')).toBe(true);
    published.push(...stage!.detection.finish());
    expect(published.at(-1)!.ongoing).toBe(false);
  });
  it('refuses a model trained on another window length, and --ioc without --model', async () => {
    await expect(openDetection({ model: 'latest', models }, { sensor: 's', windowMs: 1000, log: () => {} })).rejects.toThrow(/60000 ms windows.*--window 60000ms/);
    await expect(openDetection({ ioc: 'x.txt' }, { sensor: 's', windowMs: 1000, log: () => {} })).rejects.toThrow(/need --model/);
  });
});
