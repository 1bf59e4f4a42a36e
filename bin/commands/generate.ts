// `spanwatch generate`: writes a labelled office-traffic dataset (captures, labels, IOC list, criticality map).
import { resolve } from 'node:path';
import {
  type DatasetManifest, DEFAULT_WORKSTATIONS, type GenerateOptions, type GenerateProgress, generateDataset, isPresetName,
  PRESETS, presetOptions, validateOptions,
} from '../../datasets/index.ts';
import { CliError } from '../cliError.ts';
import { parseFlags } from '../options.ts';

export const help = `usage: spanwatch generate [--preset demo|test|enterprise|enterprise-test] [--out DIR] [options]

Generates a labelled dataset of a small office network: one classic pcap per day (day-1.pcap, …)
with a diurnal profile and a nightly backup, and on the last day one injected incident of every
detector kind (outbound spike, scans, error surges, a silent host, a new destination, a DNS tunnel,
beaconing, threat-intel hits) plus a large download that is not an incident. Beside the captures:
labels.json (what happened when), ioc.txt (the threat-intel list), criticality.json (asset
criticality) and manifest.json. The same options always give the same files, byte for byte.

The enterprise presets generate another world: a ${PRESETS.enterprise.enterprise!.size.desktops + PRESETS.enterprise.enterprise!.size.laptops}-workstation site in
${PRESETS.enterprise.enterprise!.timeZone} (desktops left on, laptops that come and go, servers, printers and cameras in
four subnets) with weekends, a public holiday, infrastructure chatter (monitoring agents, antivirus
lookups, CDN names, cloud sync, a drifting backup) and low-and-slow incidents over several days.

  --preset NAME     demo (${PRESETS.demo.days} days, scale ${PRESETS.demo.scale}), test (${PRESETS.test.days} days, scale ${PRESETS.test.scale}),
                    enterprise (${PRESETS.enterprise.days} days: a week to train on, a week with incidents; seed
                    ${PRESETS.enterprise.seed}, judge detectors on --seed ${PRESETS.enterprise.evaluationSeed}) or enterprise-test (${PRESETS['enterprise-test'].days} days);
                    the other flags override its values (--hosts applies to the office only)
  --out DIR         output folder (default var/datasets/<preset>, or $SPANWATCH_VAR/datasets/<preset>;
                    required without --preset)
  --seed N          random seed, 0 … 4294967295 (default: the preset's, else 1)
  --days N          whole days, the last one with the incidents (default 4)
  --start DATE      first day, YYYY-MM-DD, midnight UTC (default 2024-03-04, a Monday)
  --scale X         traffic volume relative to the demo office (default 1)
  --hosts N         number of workstations (default ${DEFAULT_WORKSTATIONS})
  --no-incidents    normal days only (then every day is in the training range)
  --json            print the manifest as JSON instead of the summary
  --quiet           no progress on stderr

examples:
  spanwatch generate --preset demo
  spanwatch generate --preset test --out /tmp/ds --seed 42
  spanwatch generate --preset enterprise --seed ${PRESETS.enterprise.evaluationSeed} --out var/datasets/enterprise-eval
  spanwatch generate --out office-week --days 7 --start 2024-06-03 --scale 0.5 --no-incidents
`;

export const options = {
  preset: { type: 'string' },
  out: { type: 'string' },
  seed: { type: 'string' },
  days: { type: 'string' },
  start: { type: 'string' },
  scale: { type: 'string' },
  hosts: { type: 'string' },
  'no-incidents': { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

function wholeNumber(text: string, key: string): number {
  if (!/^\d+$/.test(text.trim())) throw new CliError(`generate: --${key} '${text}' is not a whole number`);
  return Number(text);
}

function positiveNumber(text: string, key: string): number {
  const v = Number(text);
  if (text.trim() === '' || !(v > 0)) throw new CliError(`generate: --${key} '${text}' must be a number greater than 0`);
  return v;
}

function midnightUtc(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text.trim()) {
    throw new CliError(`generate: --start '${text}' is not a date; use YYYY-MM-DD, e.g. 2024-03-04`);
  }
  return ms;
}

export function buildOptions(values: ReturnType<typeof parseFlags<typeof options>>['values']): GenerateOptions {
  let base: GenerateOptions;
  if (values.preset !== undefined) {
    if (!isPresetName(values.preset)) throw new CliError(`generate: --preset '${values.preset}' is unknown; use ${Object.keys(PRESETS).join(', ')}`);
    const varDir = resolve(process.env.SPANWATCH_VAR || 'var');
    base = presetOptions(values.preset, resolve(varDir, 'datasets', values.preset));
  } else {
    if (values.out === undefined) throw new CliError('generate: give --out DIR (or a --preset, which has a default folder). See `spanwatch generate --help`.');
    base = { outDir: '', seed: 1, days: 4, scale: 1, name: 'generated' };
  }
  const o: GenerateOptions = { ...base };
  if (values.out !== undefined) o.outDir = resolve(values.out);
  if (values.seed !== undefined) o.seed = wholeNumber(values.seed, 'seed');
  if (values.days !== undefined) o.days = wholeNumber(values.days, 'days');
  if (values.start !== undefined) o.start = midnightUtc(values.start);
  if (values.scale !== undefined) o.scale = positiveNumber(values.scale, 'scale');
  if (values.hosts !== undefined) o.hosts = wholeNumber(values.hosts, 'hosts');
  if (values['no-incidents']) o.incidents = false;
  if (values.seed !== undefined && values.preset !== undefined) o.description = undefined;
  return o;
}

function progressPrinter(): (p: GenerateProgress) => void {
  const tty = process.stderr.isTTY === true;
  return (p) => {
    if (!tty && p.hour !== 24) return;
    const line = `generating day ${p.day}/${p.days}, ${String(p.hour).padStart(2, '0')}:00 done, ${p.packets.toLocaleString('en-US')} packets`;
    process.stderr.write(tty ? `\r${line}${p.hour === 24 ? '\n' : ''}` : `${line}\n`);
  };
}

export function summary(m: DatasetManifest, seconds: number): string {
  const lines = [`dataset '${m.name}' in ${m.dir} (seed ${m.parameters.seed}, ${seconds.toFixed(1)} s)`];
  for (const f of m.files) {
    lines.push(`  ${f.file.padEnd(12)} ${f.packets.toLocaleString('en-US').padStart(11)} packets  ${(f.wireBytes / 1e6).toFixed(1).padStart(8)} MB on the wire  ${(f.sizeBytes / 1e6).toFixed(1).padStart(7)} MB on disk`);
  }
  const disk = m.files.reduce((s, f) => s + f.sizeBytes, 0);
  lines.push(`  total        ${m.packets.toLocaleString('en-US').padStart(11)} packets  ${(disk / 1e6).toFixed(1)} MB on disk`);
  const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
  lines.push(`  training range ${iso(m.labels.trainRange.start)} … ${iso(m.labels.trainRange.end)}`);
  lines.push(`  incidents: ${m.labels.incidents.length}`);
  for (const i of m.labels.incidents) lines.push(`    ${iso(i.start)}  ${i.kind.padEnd(15)} ${i.id}${i.host ? `  host ${i.host}` : ''}${i.remote ? `  remote ${i.remote}` : ''}`);
  lines.push(`  normal peaks: ${m.labels.normalPeaks.length} (nightly backup), look-alikes: ${m.labels.lookAlikes.length}`);
  lines.push(`  files: ${m.labelsFile}, ${m.labels.iocFile}, ${m.labels.criticalityFile}, manifest.json`);
  return lines.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('generate', argv, options);
  const o = buildOptions(values);
  try {
    validateOptions(o);
  } catch (err) {
    throw new CliError(`generate: ${(err as Error).message}`);
  }
  if (!values.quiet) o.onProgress = progressPrinter();
  const started = performance.now();
  let manifest: DatasetManifest;
  try {
    manifest = await generateDataset(o);
  } catch (err) {
    throw new CliError(`generate: ${(err as Error).message}`, 1);
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(values.json ? JSON.stringify(manifest, null, 2) + '\n' : summary(manifest, seconds));
  return 0;
}
