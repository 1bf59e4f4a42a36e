// `spanwatch train`: windows from InfluxDB history, capture files or WindowStats JSON lines → a
// new model version under the models folder. The live version changes only with --promote.
import { existsSync, readFileSync } from 'node:fs';
import { WindowsFileError, readWindowsJsonl, windowsFromCaptures, type WindowStats } from '../../capture/index.ts';
import {
  CONFIRMED_STATUSES, DEFAULT_MIN_WINDOWS, ModelTrainer, confirmedRanges, listModels, promoteModel, rollbackModel, saveModel,
  type AnalystRule, type TimeRange, type TrainProgress,
} from '../../model/index.ts';
import { InfluxReader, connectStore, startEmbeddedInflux, type EmbeddedInflux } from '../../store/index.ts';
import { join } from 'node:path';
import { CliError } from '../cliError.ts';
import { CALENDAR_FLAGS, CALENDAR_USAGE, calendarFrom } from '../calendarOptions.ts';
import { fromEnv, modelsDirFrom, parseDuration, parseFlags, parseTime } from '../options.ts';

export const help = `usage: spanwatch train (--jsonl FILE... | --pcap FILE... | --influx URL --from T --to T) [options]

Learns the normal profile from windows of normal traffic and writes a new model version
(a folder under the models directory). The live version changes only with --promote.

input (one of):
  --jsonl FILE         WindowStats JSON lines as written by \`spanwatch sensor --jsonl\`
                       ({"type":"window","data":...}; other lines are skipped); repeatable
  --pcap FILE          capture files (pcap/pcapng), cut into windows like the sensor does; repeatable;
                       file names after the options count too
  --from T, --to T     InfluxDB history: ISO-8601 time or ms since the epoch (1 s windows)
  --influx URL         InfluxDB 1.x URL (or INFLUX_URL); without it, the embedded influxd
                       with data under var/influxdb (or $SPANWATCH_VAR/influxdb)
  --influx-db NAME     database (default spanwatch)
  --sensor NAME        the sensor whose history to read (default: all)

windows (for --pcap):
  --window DURATION    window length (default 1s)
  --local-net CIDR,... local networks (default RFC 1918, RFC 4193, link-local)

training:
  --exclude FILE       JSON list of {"start": ms|ISO, "end": ms|ISO} ranges to leave out
                       (incidents analysts confirmed); extra fields are ignored. From InfluxDB
                       history, the confirmed incidents stored there (status escalated or
                       resolved) are left out as well, without this flag
  --rules FILE|none    analysts' accepted rules to record in the model (detection drops what
                       they cover until each expires); default <var>/suppressions.json, the
                       server's, when it exists
  --seed N             seed for sampling and initial weights (default 1)
  --epochs N           autoencoder epochs (default 10)
  --min-windows N      fewer windows is an error (default ${DEFAULT_MIN_WINDOWS})

models:
  --models DIR         models directory (default $SPANWATCH_MODELS, else <var>/models)
  --promote            make the new version live
  --list               list versions (the live one marked *) and exit
  --rollback           make the previously live version live again and exit

Progress goes to stderr (a bar on a terminal, lines otherwise); the new version's folder is
printed on stdout.

examples:
  spanwatch train --jsonl week1.jsonl --promote
  spanwatch train --pcap day1.pcap day2.pcap day3.pcap --window 1s
  spanwatch train --influx http://localhost:8086 --sensor office --from 2026-11-01 --to 2026-11-08 --exclude confirmed.json
  spanwatch train --from 2026-11-01 --to 2026-11-08          # the embedded influxd's history
  spanwatch train --list
`;

export const options = {
  jsonl: { type: 'string', multiple: true },
  pcap: { type: 'string', multiple: true },
  influx: { type: 'string' },
  'influx-db': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  sensor: { type: 'string' },
  window: { type: 'string' },
  'local-net': { type: 'string', multiple: true },
  exclude: { type: 'string' },
  rules: { type: 'string' },
  seed: { type: 'string' },
  epochs: { type: 'string' },
  'min-windows': { type: 'string' },
  'false-alarms-per-day': { type: 'string' },
  ...CALENDAR_FLAGS,
  models: { type: 'string' },
  promote: { type: 'boolean' },
  list: { type: 'boolean' },
  rollback: { type: 'boolean' },
} as const;

function alarmBudget(text: string | undefined): number {
  if (text === undefined) return 1;
  const v = Number(text);
  if (!(Number.isFinite(v) && v >= 0)) throw new CliError(`train: --false-alarms-per-day must be a number ≥ 0 (got '${text.slice(0, 40)}')`);
  return v;
}

function positiveInt(text: string | undefined, key: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${key}: '${text}' is not a whole number`);
  return n;
}

/** The accepted rules: `{"suppressions": [...]}` as the server keeps them; none without the file. */
function readRules(flag: string | undefined): { rules: AnalystRule[]; from?: string } {
  if (flag === 'none') return { rules: [] };
  const path = flag ?? join(process.env.SPANWATCH_VAR || 'var', 'suppressions.json');
  if (flag === undefined && !existsSync(path)) return { rules: [] };
  let parsed: { suppressions?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as { suppressions?: unknown };
  } catch (err) {
    throw new CliError(`--rules ${path}: ${(err as Error).message}; give the server's suppressions.json or none`);
  }
  if (!Array.isArray(parsed.suppressions)) throw new CliError(`--rules ${path}: expected {"suppressions": [...]} as \`spanwatch serve\` writes it`);
  const rules = (parsed.suppressions as AnalystRule[]).filter((r, i) => {
    if (typeof r?.expiresAt !== 'number' || typeof r.scope !== 'object' || r.scope === null) throw new CliError(`--rules ${path} [${i}]: needs scope and expiresAt`);
    return true;
  });
  return { rules, from: path };
}

/** Reads the --exclude file: a JSON list of {start, end} (ms or ISO strings). */
export function readExcludeRanges(path: string): TimeRange[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`--exclude ${path}: ${(err as Error).message}; give a JSON list like [{"start": "2026-11-20T10:00:00Z", "end": "2026-11-20T10:30:00Z"}]`);
  }
  if (!Array.isArray(parsed)) throw new CliError(`--exclude ${path}: expected a JSON list of {"start", "end"} ranges`);
  return parsed.map((r: unknown, i) => {
    const o = r as { start?: unknown; end?: unknown };
    const start = typeof o?.start === 'number' ? o.start : parseTime(String(o?.start), `--exclude ${path} [${i}].start`);
    const end = typeof o?.end === 'number' ? o.end : parseTime(String(o?.end), `--exclude ${path} [${i}].end`);
    if (!(end > start)) throw new CliError(`--exclude ${path} [${i}]: end must be after start`);
    return { start, end };
  });
}

export function progressReporter(): (p: TrainProgress) => void {
  const tty = process.stderr.isTTY;
  let lastLine = '';
  return (p) => {
    let line: string;
    if (p.phase === 'training' && p.total) {
      const width = 30;
      const filled = Math.round((p.done / p.total) * width);
      line = tty
        ? `training [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] epoch ${p.done}/${p.total} loss ${p.loss?.toFixed(4)}`
        : `training: epoch ${p.done}/${p.total}, loss ${p.loss?.toFixed(4)}`;
    } else {
      line = `${p.phase}: ${p.done} ${p.phase === 'calibrating' ? 'held-out windows' : 'windows'}`;
    }
    if (line === lastLine) return;
    lastLine = line;
    if (tty) process.stderr.write(`\r\x1b[K${line}${p.phase === 'done' ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parseFlags('train', argv, options, true);
  const values = { ...flags, pcap: [...(flags.pcap ?? []), ...positionals] };
  const modelsDir = modelsDirFrom(values.models);
  if (values.list) {
    const models = listModels(modelsDir);
    if (models.length === 0) process.stdout.write(`no models in ${modelsDir}\n`);
    for (const m of models) {
      process.stdout.write(`${m.live ? '*' : ' '} ${m.version}  ${m.createdAt}  ${m.windows} windows  ${new Date(m.trainingStart).toISOString()} – ${new Date(m.trainingEnd).toISOString()}  ${m.backend}\n`);
    }
    return 0;
  }
  if (values.rollback) {
    try {
      process.stdout.write(`${rollbackModel(modelsDir)} is live again\n`);
    } catch (err) {
      throw new CliError(`train --rollback: ${(err as Error).message}`, 1);
    }
    return 0;
  }
  const influx = fromEnv(values.influx, 'INFLUX_URL');
  const sources = [values.jsonl?.length ? 'jsonl' : null, values.pcap?.length ? 'pcap' : null, values.influx !== undefined || values.from !== undefined || values.to !== undefined ? 'influx' : null].filter(Boolean);
  if (sources.length !== 1) {
    throw new CliError('train: give exactly one input: --jsonl FILE..., --pcap FILE..., or --from/--to (InfluxDB history). See `spanwatch train --help`.');
  }
  const onProgress = progressReporter();
  const excludeFromFile = values.exclude ? readExcludeRanges(values.exclude) : [];
  const rules = readRules(values.rules);
  const now = Date.now();
  const active = rules.rules.filter((r) => r.expiresAt > now);
  if (active.length > 0) process.stderr.write(`recording ${active.length} analyst rule${active.length === 1 ? '' : 's'} from ${rules.from}\n`);
  const newTrainer = (exclude: TimeRange[]): ModelTrainer => new ModelTrainer({
    seed: positiveInt(values.seed, '--seed', 1),
    epochs: Math.max(1, positiveInt(values.epochs, '--epochs', 10)),
    minWindows: positiveInt(values['min-windows'], '--min-windows', DEFAULT_MIN_WINDOWS),
    exclude,
    rules: active,
    calendar: calendarFrom(values, 'train'),
    falseAlarmsPerDay: alarmBudget(values['false-alarms-per-day']),
    onProgress,
    sources: [
      ...(values.jsonl ?? []).map((f) => `jsonl:${f}`),
      ...(values.pcap ?? []).map((f) => `pcap:${f}`),
      ...(sources[0] === 'influx' ? [`influx:${values['influx-db'] ?? 'spanwatch'}/${values.sensor ?? '*'}@${values.from}..${values.to}`] : []),
    ],
  });
  let trainer = newTrainer(excludeFromFile);
  const add = (w: WindowStats): void => {
    try {
      trainer.add(w);
    } catch (err) {
      throw new CliError(`train: ${(err as Error).message}`, 1);
    }
  };
  if (values.jsonl?.length) {
    try {
      for (const f of values.jsonl) for await (const w of readWindowsJsonl(f)) add(w);
    } catch (err) {
      if (err instanceof WindowsFileError) throw new CliError(err.message, 1);
      throw err;
    }
  } else if (values.pcap?.length) {
    const windowMs = parseDuration(values.window ?? '1s', '--window');
    try {
      await windowsFromCaptures(values.pcap, { windowMs, localNets: values['local-net']?.flatMap((v) => v.split(',')), sensor: values.sensor ?? 'train' }, add);
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`train --pcap: ${(err as Error).message}`, 1);
    }
  } else {
    if (values.from === undefined || values.to === undefined) throw new CliError('train: reading history needs --from and --to');
    const from = parseTime(values.from, '--from');
    const to = parseTime(values.to, '--to');
    if (!(to > from)) throw new CliError('train: --to must be after --from');
    let embedded: EmbeddedInflux | undefined;
    try {
      if (influx === undefined) embedded = await startEmbeddedInflux({ dataDir: join(process.env.SPANWATCH_VAR || 'var', 'influxdb') });
      const conn = await connectStore({ url: influx ?? embedded!.url, database: values['influx-db'], createDatabase: false });
      const reader = new InfluxReader(conn);
      // confirmed incidents never become normal: those stored with the history are left out too
      const stored = await reader.anomalies({ from: from - 86_400_000, to, sensor: values.sensor, status: CONFIRMED_STATUSES, limit: 10_000 });
      const confirmed = confirmedRanges(stored.items, from, to);
      if (confirmed.length > 0) process.stderr.write(`leaving out ${confirmed.length} confirmed incident range${confirmed.length === 1 ? '' : 's'} stored in InfluxDB\n`);
      trainer = newTrainer([...excludeFromFile, ...confirmed]);
      for await (const page of reader.iterateWindows({ from, to, sensor: values.sensor, resolution: '1s' })) for (const w of page) add(w);
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`train: reading InfluxDB history failed: ${(err as Error).message}`, 1);
    } finally {
      await embedded?.stop();
    }
  }
  let artifact;
  try {
    artifact = await trainer.finish();
  } catch (err) {
    throw new CliError(`train: ${(err as Error).message}`, 1);
  }
  const dir = await saveModel(artifact, modelsDir);
  if (values.promote) promoteModel(modelsDir, artifact.meta.version);
  const t = artifact.meta.training;
  process.stderr.write(
    `trained ${artifact.meta.version} on ${t.windows} windows (${new Date(t.start).toISOString()} – ${new Date(t.end).toISOString()}, ${t.excludedWindows} excluded) in ${(t.durationMs / 1000).toFixed(1)} s on ${artifact.meta.backend}${values.promote ? '; now live' : '; not live (use --promote)'}\n`,
  );
  process.stdout.write(`${dir}\n`);
  return 0;
}
