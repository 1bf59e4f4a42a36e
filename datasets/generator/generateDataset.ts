// Generates a labelled dataset: one capture per day of office traffic, the nightly backup, and on
// the last day (optionally) one incident of every kind; then the labels, the IOC list and the
// asset criticality map. Everything follows from the seed.
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { backgroundSources } from './background.ts';
import { backupBytes, backupRun, nightlyBackupTimes } from './backup.ts';
import { TrafficContext, micros } from './context.ts';
import { DaySplitSink, type DayFileStats } from './daySplitSink.ts';
import { planIncidents } from './incidents.ts';
import { criticalityEntries, iocFileText } from './indicators.ts';
import { type DatasetLabels, type IncidentLabel, LABELS_VERSION, type LookAlikeLabel, type NormalPeakLabel } from './labels.ts';
import { MAX_WORKSTATIONS, officeNetwork } from './network.ts';
import { DAY_MS, HOUR_MS } from './profile.ts';
import { TrafficSchedule } from './schedule.ts';
import { emptySpan, type ObservedSpan, tracked } from './tracked.ts';
import { type EnterpriseOptions, generateEnterprise } from './generateEnterprise.ts';
import { enterpriseHostCount } from './enterpriseNetwork.ts';

/** Bumped whenever the same options would give different files. */
export const GENERATOR_VERSION = 1;
/** Monday 4 March 2024, 00:00 UTC: a working week ahead. */
export const DEFAULT_START = Date.UTC(2024, 2, 4);
export const DEFAULT_WORKSTATIONS = 12;
export const MAX_DAYS = 31;

export const LABELS_FILE = 'labels.json';
export const IOC_FILE = 'ioc.txt';
export const CRITICALITY_FILE = 'criticality.json';
export const MANIFEST_FILE = 'manifest.json';

export interface GenerateOptions {
  outDir: string;
  seed: number;
  /** whole days, the last one carrying the incidents */
  days: number;
  /** midnight UTC of day 1, ms since the epoch */
  start?: number;
  /** traffic volume relative to the demo office (1) */
  scale?: number;
  /** inject the incidents on the last day (default true) */
  incidents?: boolean;
  /** number of workstations (default 12; the office only) */
  hosts?: number;
  name?: string;
  description?: string;
  /** an enterprise site instead of the office (its own network, calendar and incidents) */
  enterprise?: EnterpriseOptions;
  onProgress?: (p: GenerateProgress) => void;
}

export interface GenerateProgress {
  day: number;
  days: number;
  /** hours of the current day done, 1 … 24 */
  hour: number;
  packets: number;
}

export interface DatasetFile extends DayFileStats {
  /** size of the file on disk */
  sizeBytes: number;
}

export interface DatasetParameters {
  seed: number;
  days: number;
  start: number;
  scale: number;
  incidents: boolean;
  hosts: number;
}

export interface DatasetManifest {
  generatorVersion: number;
  name: string;
  description: string;
  /** the folder holding the dataset (not written to manifest.json: the folder may move) */
  dir: string;
  parameters: DatasetParameters;
  files: DatasetFile[];
  packets: number;
  labelsFile: string;
  labels: DatasetLabels;
}

export function validateOptions(o: GenerateOptions): DatasetParameters {
  const p: DatasetParameters = {
    seed: o.seed, days: o.days, start: o.start ?? DEFAULT_START, scale: o.scale ?? 1,
    incidents: o.incidents ?? true, hosts: o.enterprise ? enterpriseHostCount(o.enterprise.size) : o.hosts ?? DEFAULT_WORKSTATIONS,
  };
  if (!Number.isInteger(p.seed) || p.seed < 0 || p.seed > 0xffffffff) throw new Error(`seed must be an integer 0 … 4294967295 (got ${o.seed})`);
  if (!Number.isInteger(p.days) || p.days < 1 || p.days > MAX_DAYS) throw new Error(`days must be a whole number 1 … ${MAX_DAYS} (got ${o.days})`);
  if (p.incidents && p.days < 2) throw new Error('with incidents the dataset needs at least 2 days: normal days to train on, then the incident day');
  if (!Number.isFinite(p.start) || p.start % DAY_MS !== 0) throw new Error(`start must be a midnight UTC in ms since the epoch (got ${o.start})`);
  if (!(p.scale > 0 && p.scale <= 20)) throw new Error(`scale must be greater than 0 and at most 20 (got ${o.scale})`);
  if (o.enterprise && o.hosts !== undefined) throw new Error('hosts applies to the office only: the enterprise preset fixes its own hosts');
  if (!o.enterprise && (!Number.isInteger(p.hosts) || p.hosts < 2 || p.hosts > MAX_WORKSTATIONS)) throw new Error(`hosts (workstations) must be 2 … ${MAX_WORKSTATIONS} (got ${o.hosts})`);
  return p;
}

export async function generateDataset(options: GenerateOptions): Promise<DatasetManifest> {
  const p = validateOptions(options);
  if (options.enterprise) return generateEnterprise(options, options.enterprise, p);
  await mkdir(options.outDir, { recursive: true });
  await removeEarlierDays(options.outDir);
  const net = officeNetwork(p.hosts);
  const endMs = p.start + p.days * DAY_MS;
  const ctx = new TrafficContext(net, p.seed, p.scale, micros(p.start), micros(endMs));
  const schedule = new TrafficSchedule();

  const backupSpans: ObservedSpan[] = [];
  const backupRnd = ctx.random('backup');
  for (const at of nightlyBackupTimes(ctx, p.start, p.days)) {
    const span = emptySpan();
    backupSpans.push(span);
    schedule.add(tracked(backupRun(ctx, backupRnd.fork(String(at)), at, backupBytes(p.scale)), span));
  }
  const plan = p.incidents ? planIncidents(ctx, p.start + (p.days - 1) * DAY_MS) : { incidents: [], lookAlikes: [] };
  for (const inc of plan.incidents) schedule.add(inc.script);
  for (const la of plan.lookAlikes) schedule.add(la.script);
  for (const source of backgroundSources(ctx)) schedule.add(source);

  const sink = new DaySplitSink(options.outDir, p.start, p.days);
  const files: DatasetFile[] = [];
  let packets = 0;
  for (let d = 0; d < p.days; d++) {
    sink.openDay(d);
    const dayStart = p.start + d * DAY_MS;
    for (let h = 1; h <= 24; h++) {
      schedule.run(micros(dayStart + h * HOUR_MS), sink);
      options.onProgress?.({ day: d + 1, days: p.days, hour: h, packets: packets + sink.days[d]!.packets });
      // let timers and signals run between hours of generation
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const stats = await sink.closeDay();
    packets += stats.packets;
    files.push({ ...stats, sizeBytes: (await stat(join(options.outDir, stats.file))).size });
  }

  const labels: DatasetLabels = {
    version: LABELS_VERSION,
    seed: p.seed,
    files: files.map((f) => f.file),
    localNets: [net.localNet],
    trainRange: { start: p.start, end: p.incidents ? p.start + (p.days - 1) * DAY_MS : endMs },
    incidents: plan.incidents.map((inc): IncidentLabel => {
      const { id, kind, ...rest } = inc.label;
      return { id, kind, ...(inc.range ? roundRange(inc.range) : spanRange(inc.span, id)), ...rest };
    }),
    normalPeaks: backupSpans.map((s, i): NormalPeakLabel => ({
      ...spanRange(s, `nightly backup ${i + 1}`), host: net.backupServer.ip, description: 'nightly backup upload to the offsite vault',
    })),
    lookAlikes: plan.lookAlikes.map((la): LookAlikeLabel => {
      const { id, ...rest } = la.label;
      return { id, ...spanRange(la.span, id), ...rest };
    }),
    iocFile: IOC_FILE,
    criticalityFile: CRITICALITY_FILE,
  };
  const manifest: DatasetManifest = {
    generatorVersion: GENERATOR_VERSION,
    name: options.name ?? 'generated',
    description: options.description ?? describe(p),
    dir: options.outDir,
    parameters: p,
    files,
    packets,
    labelsFile: LABELS_FILE,
    labels,
  };
  await writeFile(join(options.outDir, LABELS_FILE), JSON.stringify(labels, null, 2) + '\n');
  await writeFile(join(options.outDir, IOC_FILE), iocFileText());
  await writeFile(join(options.outDir, CRITICALITY_FILE), JSON.stringify(criticalityEntries(net), null, 2) + '\n');
  const { dir: _dir, ...stored } = manifest;
  await writeFile(join(options.outDir, MANIFEST_FILE), JSON.stringify(stored, null, 2) + '\n');
  return manifest;
}

function describe(p: DatasetParameters): string {
  const normal = p.incidents ? p.days - 1 : p.days;
  return `${normal} normal day${normal === 1 ? '' : 's'} of a ${p.hosts}-workstation office` +
    (p.incidents ? ' and an incident day with one incident of every kind' : '') + ` (seed ${p.seed}, scale ${p.scale})`;
}

export function spanRange(span: ObservedSpan, what: string): { start: number; end: number } {
  if (span.packets === 0) throw new Error(`${what} sent no packet inside the dataset's days: the generator's plan is broken`);
  return { start: Math.floor(span.start), end: Math.max(Math.ceil(span.end), Math.floor(span.start) + 1) };
}

export function roundRange(r: { start: number; end: number }): { start: number; end: number } {
  return { start: Math.floor(r.start), end: Math.ceil(r.end) };
}

/** Day files of an earlier, longer run in the same folder would otherwise look like part of this one. */
export async function removeEarlierDays(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (/^day-\d+\.pcap$/.test(name)) await rm(join(dir, name));
  }
}
