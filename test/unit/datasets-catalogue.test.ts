// The bundled dataset is generated once and reused; the catalogue lists generated datasets, your own
// labelled captures and bare capture folders.
import { cp, mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatasetManifest, ensurePresetDataset, listDatasets, PRESETS } from '../../datasets/index.ts';

let varDir: string;
let first: DatasetManifest;
let progressCalls = 0;

beforeAll(async () => {
  varDir = await mkdtemp(join(tmpdir(), 'spanwatch-catalogue-'));
  first = await ensurePresetDataset(varDir, 'test', () => { progressCalls++; });
});

afterAll(async () => {
  if (varDir) await rm(varDir, { recursive: true, force: true });
});

describe('bundled datasets', () => {
  it('generates the preset once into <var>/datasets/<preset>, reporting progress', () => {
    expect(first.dir).toBe(join(varDir, 'datasets', 'test'));
    expect(first.parameters.seed).toBe(PRESETS.test.seed);
    expect(first.files).toHaveLength(PRESETS.test.days);
    expect(progressCalls).toBe(24 * PRESETS.test.days);
  });

  it('reuses a complete dataset without generating again', async () => {
    const before = (await stat(join(first.dir, 'day-1.pcap'))).mtimeMs;
    let calls = 0;
    const again = await ensurePresetDataset(varDir, 'test', () => { calls++; });
    expect(calls).toBe(0);
    expect(again).toEqual(first);
    expect((await stat(join(first.dir, 'day-1.pcap'))).mtimeMs).toBe(before);
  });

  it('regenerates a damaged dataset (a capture cut short) to the same bytes', async () => {
    const path = join(first.dir, 'day-2.pcap');
    const original = await readFile(path);
    await truncate(path, 1000);
    let calls = 0;
    const repaired = await ensurePresetDataset(varDir, 'test', () => { calls++; });
    expect(calls).toBeGreaterThan(0);
    expect(Buffer.compare(await readFile(path), original)).toBe(0);
    expect(repaired.files).toEqual(first.files);
  });
});

describe('dataset catalogue', () => {
  it('lists generated, labelled and bare datasets with their files and duration, not unfinished ones', async () => {
    const own = join(varDir, 'datasets', 'my-office');
    await mkdir(own, { recursive: true });
    await cp(join(first.dir, 'day-1.pcap'), join(own, 'monday.pcap'));
    const labels = { ...first.labels, files: ['monday.pcap'], incidents: [], trainRange: { start: first.files[0]!.start, end: first.files[0]!.end } };
    await writeFile(join(own, 'labels.json'), JSON.stringify(labels));
    const bare = join(varDir, 'datasets', 'bare');
    await mkdir(bare, { recursive: true });
    await cp(join(first.dir, 'day-1.pcap'), join(bare, 'a.pcap'));
    await mkdir(join(varDir, 'datasets', 'empty'), { recursive: true });
    const unfinished = join(varDir, 'datasets', 'test.partial-4242');
    await mkdir(unfinished, { recursive: true });
    await cp(join(first.dir, 'day-1.pcap'), join(unfinished, 'day-1.pcap'));

    const list = await listDatasets(varDir);
    expect(list.map((d) => d.name)).toEqual(['bare', 'my-office', 'test']);
    const test = list.find((d) => d.name === 'test')!;
    expect(test.generated).toBe(true);
    expect(test.files).toEqual(first.files.map((f) => join(first.dir, f.file)));
    expect(test.labels).toBe(join(first.dir, 'labels.json'));
    expect(test.durationMs).toBe(PRESETS.test.days * 86_400_000);
    expect(test.incidents).toBe(first.labels.incidents.length);
    const mine = list.find((d) => d.name === 'my-office')!;
    expect(mine).toMatchObject({ generated: false, files: [join(own, 'monday.pcap')], labels: join(own, 'labels.json'), durationMs: 86_400_000, incidents: 0 });
    expect(mine.sizeBytes).toBe(first.files[0]!.sizeBytes);
    expect(list.find((d) => d.name === 'bare')).toMatchObject({ labels: null, durationMs: null, files: [join(bare, 'a.pcap')] });
  });

  it('names the bad field of a broken labels file', async () => {
    const broken = join(varDir, 'datasets', 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, 'labels.json'), JSON.stringify({ version: 1, files: ['x.pcap'], localNets: [], trainRange: { start: 2, end: 1 }, incidents: [] }));
    await expect(listDatasets(varDir)).rejects.toThrow(/labels\.json: trainRange/);
    await rm(broken, { recursive: true });
  });

  it('is empty when there is no datasets folder yet', async () => {
    expect(await listDatasets(join(varDir, 'nothing-here'))).toEqual([]);
  });
});
