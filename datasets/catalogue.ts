// The datasets under <var>/datasets/: each folder is one dataset, described by the manifest.json
// the generator wrote, or by a labels.json (your own captures), or just by its capture files.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LABELS_FILE, MANIFEST_FILE, type DatasetManifest } from './generator/generateDataset.ts';
import { type DatasetLabels, parseLabels } from './generator/labels.ts';

export interface DatasetSummary {
  name: string;
  description: string;
  dir: string;
  /** capture files, absolute paths, in replay order */
  files: string[];
  /** the labels file, when there is one */
  labels: string | null;
  /** first and last instant covered (ms since the epoch), when known */
  start: number | null;
  end: number | null;
  /** end − start in ms, when known */
  durationMs: number | null;
  incidents: number;
  sizeBytes: number;
  generated: boolean;
}

const CAPTURE_FILE = /\.(pcap|pcapng|cap)$/i;
/** a dataset still being generated (see bundled.ts) */
export const PARTIAL_DATASET = /\.partial-\d+$/;

export function datasetsDir(varDir: string): string {
  return join(varDir, 'datasets');
}

/** Every dataset under `<varDir>/datasets`, by name; folders that hold nothing usable are left out. */
export async function listDatasets(varDir: string): Promise<DatasetSummary[]> {
  const root = datasetsDir(varDir);
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && !PARTIAL_DATASET.test(d.name))
      .map((d) => d.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: DatasetSummary[] = [];
  for (const name of names) {
    const summary = await describeDataset(join(root, name), name);
    if (summary) out.push(summary);
  }
  return out;
}

/** One dataset folder, or null when it holds neither a manifest, labels nor capture files. */
export async function describeDataset(dir: string, name: string): Promise<DatasetSummary | null> {
  const manifest = await readJson(join(dir, MANIFEST_FILE));
  if (manifest !== undefined) {
    const m = manifest as Omit<DatasetManifest, 'dir'>;
    const files = m.files.map((f) => join(dir, f.file));
    const start = m.files[0]?.start ?? null;
    const end = m.files[m.files.length - 1]?.end ?? null;
    return {
      name, description: m.description, dir, files, labels: join(dir, m.labelsFile), start, end,
      durationMs: start !== null && end !== null ? end - start : null,
      incidents: m.labels.incidents.length, sizeBytes: m.files.reduce((s, f) => s + f.sizeBytes, 0), generated: true,
    };
  }
  const labelsPath = join(dir, LABELS_FILE);
  const labelsJson = await readJson(labelsPath);
  let labels: DatasetLabels | null = null;
  if (labelsJson !== undefined) labels = parseLabels(labelsJson, labelsPath);
  const files = labels
    ? labels.files.map((f) => join(dir, f))
    : (await readdir(dir)).filter((f) => CAPTURE_FILE.test(f)).sort().map((f) => join(dir, f));
  if (files.length === 0) return null;
  let sizeBytes = 0;
  for (const f of files) sizeBytes += (await stat(f).catch(() => ({ size: 0 }))).size;
  const ranges = labels ? [labels.trainRange, ...labels.incidents] : [];
  const start = ranges.length ? Math.min(...ranges.map((r) => r.start)) : null;
  const end = ranges.length ? Math.max(...ranges.map((r) => r.end)) : null;
  return {
    name,
    description: labels ? `${files.length} capture file(s) with labels` : `${files.length} capture file(s) without labels`,
    dir, files, labels: labels ? labelsPath : null, start, end,
    durationMs: start !== null && end !== null ? end - start : null,
    incidents: labels?.incidents.length ?? 0, sizeBytes, generated: false,
  };
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message}); fix or remove the file`);
  }
}
