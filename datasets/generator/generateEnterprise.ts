// Generates the enterprise dataset: one capture per local day of a site with hundreds of hosts in
// several subnets, its own time zone, weekends and a public holiday; the first days normal (to
// train on), the later ones carrying the incidents. Everything follows from the seed.
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TrafficContext, micros } from './context.ts';
import { DaySplitSink } from './daySplitSink.ts';
import { nightlyBackups } from './enterpriseBackup.ts';
import { planEnterpriseIncidents } from './enterpriseIncidents.ts';
import { type EnterpriseNetwork, enterpriseLocalNets, enterpriseNetwork, type EnterpriseSize } from './enterpriseNetwork.ts';
import { type EnterpriseWorld, enterpriseSources, planPresence } from './enterpriseTraffic.ts';
import {
  CRITICALITY_FILE, type DatasetFile, type DatasetManifest, type DatasetParameters, GENERATOR_VERSION, type GenerateOptions, IOC_FILE,
  LABELS_FILE, MANIFEST_FILE, removeEarlierDays, roundRange, spanRange,
} from './generateDataset.ts';
import { iocFileText } from './indicators.ts';
import {
  type CriticalityEntry, type DatasetLabels, type IncidentLabel, LABELS_VERSION, type LabelledDay, type NormalPeakLabel, type WeekdayBaseline,
} from './labels.ts';
import { HOUR_MS } from './profile.ts';
import { TrafficSchedule } from './schedule.ts';
import { SiteCalendar } from './siteCalendar.ts';
import { emptySpan, type ObservedSpan, tracked } from './tracked.ts';
import { mkdir } from 'node:fs/promises';

export interface EnterpriseOptions {
  /** IANA time zone of the site, e.g. Europe/Berlin */
  timeZone: string;
  /** public holidays, local dates YYYY-MM-DD */
  holidays: string[];
  size: EnterpriseSize;
  /** the first days are normal, to train on; the incidents come after them */
  trainDays: number;
}

export async function generateEnterprise(options: GenerateOptions, e: EnterpriseOptions, p: DatasetParameters): Promise<DatasetManifest> {
  if (!Number.isInteger(e.trainDays) || e.trainDays < 1 || (p.incidents && e.trainDays >= p.days)) {
    throw new Error(`the enterprise needs 1 … ${p.days - 1} training days before the incidents (got ${e.trainDays})`);
  }
  await mkdir(options.outDir, { recursive: true });
  await removeEarlierDays(options.outDir);
  const firstDate = new Date(p.start).toISOString().slice(0, 10);
  const calendar = new SiteCalendar(e.timeZone, firstDate, p.days, e.holidays);
  const net = enterpriseNetwork(e.size);
  const ctx = new TrafficContext(net, p.seed, p.scale, micros(calendar.start), micros(calendar.end));
  const world: EnterpriseWorld = { ctx, net, calendar, presence: planPresence(ctx, net, calendar) };
  const trainEnd = p.incidents ? calendar.days[e.trainDays]!.start : calendar.end;

  const schedule = new TrafficSchedule();
  const backupSpans: ObservedSpan[] = [];
  for (const night of nightlyBackups(world)) {
    const span = emptySpan();
    backupSpans.push(span);
    schedule.add(tracked(night.script, span));
  }
  const incidents = p.incidents ? planEnterpriseIncidents(world, trainEnd) : [];
  for (const inc of incidents) schedule.add(inc.script);
  for (const source of enterpriseSources(world)) schedule.add(source);

  const bounds = [...calendar.days.map((d) => d.start), calendar.end];
  const sink = new DaySplitSink(options.outDir, calendar.start, p.days, bounds);
  const files: DatasetFile[] = [];
  let packets = 0;
  for (let d = 0; d < p.days; d++) {
    sink.openDay(d);
    const { start, end } = calendar.days[d]!;
    const hours = Math.round((end - start) / HOUR_MS);
    for (let h = 1; h <= hours; h++) {
      schedule.run(micros(h === hours ? end : start + h * HOUR_MS), sink);
      options.onProgress?.({ day: d + 1, days: p.days, hour: Math.min(24, Math.round((h * 24) / hours)), packets: packets + sink.days[d]!.packets });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const stats = await sink.closeDay();
    packets += stats.packets;
    files.push({ ...stats, sizeBytes: (await stat(join(options.outDir, stats.file))).size });
  }

  const days: LabelledDay[] = calendar.days.map((d, i) => ({ date: d.date, type: d.type, start: d.start, end: d.end, file: files[i]!.file }));
  const baseline = weekdayBaseline(days);
  const labels: DatasetLabels = {
    version: LABELS_VERSION,
    seed: p.seed,
    files: files.map((f) => f.file),
    localNets: enterpriseLocalNets(net),
    trainRange: { start: calendar.start, end: trainEnd },
    incidents: incidents.map((inc): IncidentLabel => {
      const { id, kind, ...rest } = inc.label;
      return { id, kind, ...(inc.range ? roundRange(inc.range) : spanRange(inc.span, id)), ...rest };
    }),
    normalPeaks: backupSpans.map((s, i): NormalPeakLabel => ({
      ...spanRange(s, `nightly backup ${i + 1}`), host: net.backupServer.ip, description: 'nightly backup upload to the provider (start and size drift)',
    })),
    lookAlikes: [],
    iocFile: IOC_FILE,
    criticalityFile: CRITICALITY_FILE,
    timezone: e.timeZone,
    holidays: [...e.holidays],
    days,
    ...(baseline ? { weekdayBaseline: baseline } : {}),
  };
  const hostCount = net.hosts.length;
  if (hostCount !== p.hosts) throw new Error(`the enterprise has ${hostCount} hosts where ${p.hosts} were counted: enterpriseHostCount is out of step with enterpriseNetwork`);
  const manifest: DatasetManifest = {
    generatorVersion: GENERATOR_VERSION,
    name: options.name ?? 'enterprise',
    description: options.description ?? describe(p, calendar, hostCount, e.trainDays),
    dir: options.outDir,
    parameters: p,
    files,
    packets,
    labelsFile: LABELS_FILE,
    labels,
  };
  await writeFile(join(options.outDir, LABELS_FILE), JSON.stringify(labels, null, 2) + '\n');
  await writeFile(join(options.outDir, IOC_FILE), iocFileText());
  await writeFile(join(options.outDir, CRITICALITY_FILE), JSON.stringify(enterpriseCriticality(net), null, 2) + '\n');
  const { dir: _dir, ...stored } = manifest;
  await writeFile(join(options.outDir, MANIFEST_FILE), JSON.stringify({ ...stored, site: { timeZone: e.timeZone, holidays: e.holidays, size: e.size, trainDays: e.trainDays } }, null, 2) + '\n');
  return manifest;
}

/** The leading working days (up to five) and the weekend right after them, if the dataset starts that way. */
function weekdayBaseline(days: LabelledDay[]): WeekdayBaseline | undefined {
  let k = 0;
  while (k < days.length && k < 5 && days[k]!.type === 'weekday') k++;
  let m = k;
  while (m < days.length && days[m]!.type === 'weekend') m++;
  if (k === 0 || m === k) return undefined;
  return {
    trainFiles: days.slice(0, k).map((d) => d.file),
    trainRange: { start: days[0]!.start, end: days[k]!.start },
    weekendRange: { start: days[k]!.start, end: days[m - 1]!.end },
    weekendFiles: days.slice(k, m).map((d) => d.file),
  };
}

function enterpriseCriticality(net: EnterpriseNetwork): CriticalityEntry[] {
  const entry = (ip: string, criticality: CriticalityEntry['criticality'], name: string): CriticalityEntry => ({ cidr: `${ip}/32`, criticality, name });
  return [
    entry(net.fileServer.ip, 'critical', net.fileServer.name),
    entry(net.domainController.ip, 'critical', net.domainController.name),
    entry(net.backupServer.ip, 'high', net.backupServer.name),
    entry(net.resolver.ip, 'high', net.resolver.name),
    entry(net.mailServer.ip, 'high', net.mailServer.name),
    entry(net.gateway.ip, 'high', net.gateway.name),
    entry(net.appServer.ip, 'medium', net.appServer.name),
    entry(net.monitoringServer.ip, 'medium', net.monitoringServer.name),
    { cidr: net.subnets.servers, criticality: 'medium', name: 'server subnet' },
    { cidr: net.subnets.desktops, criticality: 'low', name: 'desktops' },
    { cidr: net.subnets.laptops, criticality: 'low', name: 'laptops' },
    { cidr: net.subnets.devices, criticality: 'low', name: 'printers and IoT' },
  ];
}

function describe(p: DatasetParameters, calendar: SiteCalendar, hosts: number, trainDays: number): string {
  const first = calendar.days[0]!.date;
  return `${p.days} days (from ${first}, ${calendar.timeZone}) of a ${hosts}-host enterprise site` +
    (p.incidents ? `: ${trainDays} normal days to train on, then days with incidents` : ', all normal') + ` (seed ${p.seed}, scale ${p.scale})`;
}
