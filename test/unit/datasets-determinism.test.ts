// The generator is a pure function of its options: same seed, same bytes; another seed, other traffic.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, type GenerateOptions } from '../../datasets/index.ts';

let root: string;
const small = (outDir: string, seed: number, extra: Partial<GenerateOptions> = {}): GenerateOptions =>
  ({ outDir, seed, days: 2, scale: 0.02, hosts: 3, ...extra });

async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = createHash('sha256').update(await readFile(join(dir, name))).digest('hex');
  }
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'spanwatch-determinism-'));
  await generateDataset(small(join(root, 'a'), 11));
  await generateDataset(small(join(root, 'b'), 11));
  await generateDataset(small(join(root, 'c'), 12));
  await generateDataset(small(join(root, 'quiet'), 11, { incidents: false }));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('dataset generator determinism', () => {
  it('gives byte-identical files for the same seed', async () => {
    const a = await hashes(join(root, 'a'));
    const b = await hashes(join(root, 'b'));
    expect(Object.keys(a)).toEqual(['criticality.json', 'day-1.pcap', 'day-2.pcap', 'ioc.txt', 'labels.json', 'manifest.json']);
    expect(b).toEqual(a);
  });

  it('gives different captures and incident times for another seed', async () => {
    const a = await hashes(join(root, 'a'));
    const c = await hashes(join(root, 'c'));
    expect(c['day-1.pcap']).not.toBe(a['day-1.pcap']);
    expect(c['day-2.pcap']).not.toBe(a['day-2.pcap']);
    const la = JSON.parse(await readFile(join(root, 'a', 'labels.json'), 'utf8')) as { incidents: Array<{ start: number }> };
    const lc = JSON.parse(await readFile(join(root, 'c', 'labels.json'), 'utf8')) as { incidents: Array<{ start: number }> };
    expect(lc.incidents.map((i) => i.start)).not.toEqual(la.incidents.map((i) => i.start));
  });

  it('leaves the normal days untouched when the incidents are left out', async () => {
    const a = await hashes(join(root, 'a'));
    const quiet = await hashes(join(root, 'quiet'));
    expect(quiet['day-1.pcap']).toBe(a['day-1.pcap']);
    expect(quiet['day-2.pcap']).not.toBe(a['day-2.pcap']);
    const labels = JSON.parse(await readFile(join(root, 'quiet', 'labels.json'), 'utf8')) as { incidents: unknown[]; trainRange: { start: number; end: number } };
    expect(labels.incidents).toEqual([]);
    expect(labels.trainRange.end - labels.trainRange.start).toBe(2 * 86_400_000);
  });

  it('rejects options it cannot honour, naming the option', async () => {
    await expect(generateDataset(small(join(root, 'bad'), 1, { days: 1 }))).rejects.toThrow(/at least 2 days/);
    await expect(generateDataset(small(join(root, 'bad'), 1, { start: Date.UTC(2024, 2, 4, 5) }))).rejects.toThrow(/start must be a midnight/);
    await expect(generateDataset(small(join(root, 'bad'), -1))).rejects.toThrow(/seed/);
    await expect(generateDataset(small(join(root, 'bad'), 1, { hosts: 1 }))).rejects.toThrow(/workstations/);
    await expect(generateDataset(small(join(root, 'bad'), 1, { scale: 0 }))).rejects.toThrow(/scale/);
  });
});
