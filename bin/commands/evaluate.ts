// `spanwatch evaluate`: a model on labelled captures — per kind found and attributed, false alarms
// per working/weekend/holiday day, detection delay, severity and the finding detector per
// incident, the targets, next to a per-feature 3-sigma rule run on the same windows.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  EvaluationRun, formatEvaluation, loadModel, resolveModelDir, type EvaluationLabels, type EvaluationReport, type EvaluationScope,
} from '../../model/index.ts';
import { CliError } from '../cliError.ts';
import { CALENDAR_FLAGS, CALENDAR_USAGE, calendarFrom } from '../calendarOptions.ts';
import { modelsDirFrom, parseFlags } from '../options.ts';
import { windowsFromCaptures } from '../../capture/index.ts';

export const help = `usage: spanwatch evaluate --model DIR|latest --labels FILE [--pcap FILE...] [options]

Replays labelled captures through the model and scores what it finds against the labels: per
incident kind how many were found and how many attributed (the alarm's subject names the
incident's host), precision, detection delay (median, max); per incident its severity and which
detector found it (the learned model, a rule, or both); false alarms per day of the site's
calendar (working days, weekend days, holidays, in the labels' time zone) and the project's
detection targets next to the measured values. A per-feature 3-sigma rule (mean ± 3σ of the
model's training windows) runs on the same windows, side by side.

Only windows after the labels' trainRange are scored. An alarm finds an incident when its kind is
one that finds the incident's kind (a role-change is found by host-deviation or deviation) and
the times overlap (±5 s and one window). An alarm that overlaps an incident and names its host,
its remote (or a host inside a swept network), no host at all, or is of a kind that finds it is
explained by it; every other alarm is a false alarm.

The first-weekend check (--first-weekend): train on the labels' weekdayBaseline.trainFiles (the
first five working days) and score only the weekend after them; the report counts the alarm
chains (merged anomalies) at medium or above there.

options:
  --model DIR|latest   model folder, a version in the models directory, or latest (the live one)
  --labels FILE        labels.json written by \`spanwatch generate\`
  --pcap FILE          capture files (default: the labels' "files", or with --first-weekend its
                       weekdayBaseline.weekendFiles, relative to the labels file); file names after
                       the options count too
  --first-weekend      score the first weekend after a weekday-only baseline instead
  --ioc FILE           IOC list (default: the labels' "iocFile", if any)
  --criticality FILE   CIDR → criticality JSON (default: the labels' "criticalityFile", if any)
${CALENDAR_USAGE}
  --models DIR         models directory for versions and latest (default $SPANWATCH_MODELS, else <var>/models)
  --json               print the report as JSON instead of a table
  --record             also store a summary in the model's meta.json ("evaluation")

examples:
  spanwatch evaluate --model latest --labels data/office/labels.json
  spanwatch evaluate --model var/models/v20261128-0130-1a2b3c4d --labels labels.json --json > report.json
  spanwatch train --pcap ds/day-1.pcap ... --pcap ds/day-5.pcap --models ds/weekday-models --promote
  spanwatch evaluate --model latest --models ds/weekday-models --labels ds/labels.json --first-weekend
`;

export const options = {
  model: { type: 'string' },
  labels: { type: 'string' },
  pcap: { type: 'string', multiple: true },
  ioc: { type: 'string' },
  criticality: { type: 'string' },
  ...CALENDAR_FLAGS,
  models: { type: 'string' },
  'first-weekend': { type: 'boolean' },
  json: { type: 'boolean' },
  record: { type: 'boolean' },
} as const;

type RawLabels = EvaluationLabels & { iocFile?: string; criticalityFile?: string };

export function readLabels(path: string): RawLabels {
  let v: RawLabels;
  try {
    v = JSON.parse(readFileSync(path, 'utf8')) as RawLabels;
  } catch (err) {
    throw new CliError(`--labels ${path}: ${(err as Error).message}`, 1);
  }
  if (v?.version !== 1) throw new CliError(`--labels ${path}: version is ${JSON.stringify(v?.version)}, expected 1 (a labels.json from \`spanwatch generate\`)`, 1);
  if (!Array.isArray(v.incidents) || !v.trainRange || !Number.isFinite(v.trainRange.end)) {
    throw new CliError(`--labels ${path}: needs "incidents" (a list) and "trainRange" {"start","end"}`, 1);
  }
  v.normalPeaks ??= [];
  return v;
}

function relativeTo(labelsPath: string, file: string | undefined): string | undefined {
  if (!file) return undefined;
  const p = resolve(dirname(labelsPath), file);
  return existsSync(p) ? p : undefined;
}

/** Keeps the headline numbers next to the model, so versions can be compared without re-running. */
function recordEvaluation(dir: string, labelsPath: string, report: EvaluationReport): void {
  const path = join(dir, 'meta.json');
  const meta = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const summary = (m: EvaluationReport['model']): Record<string, unknown> => ({
    detected: m.incidents.filter((i) => i.detected).length,
    attributed: m.incidents.filter((i) => i.attributed).length,
    incidents: m.incidents.length,
    falseAlarmsPerDay: m.falseAlarmsPerDay,
    falseAlarmsPerDayType: Object.fromEntries(Object.entries(m.byDayType).map(([k, v]) => [k, v.perDay])),
    falseChainsMediumPlus: m.falseChainsMediumPlus,
    normalPeaksFlagged: m.normalPeaksFlagged,
    recall: Object.fromEntries(Object.entries(m.perKind).map(([k, v]) => [k, v.recall])),
  });
  meta.evaluation = {
    at: new Date().toISOString(), labels: resolve(labelsPath), scope: report.scope, windows: report.windows, normalHours: report.normalHours,
    model: summary(report.model), threeSigma: summary(report.threeSigma),
  };
  writeFileSync(`${path}.tmp`, JSON.stringify(meta, null, 1) + '\n');
  renameSync(`${path}.tmp`, path);
}

export async function run(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parseFlags('evaluate', argv, options, true);
  const values = { ...flags, pcap: [...(flags.pcap ?? []), ...positionals] };
  if (!values.model || !values.labels) throw new CliError('evaluate: --model and --labels are required. See `spanwatch evaluate --help`.');
  const labels = readLabels(values.labels);
  const scope: EvaluationScope = values['first-weekend'] ? 'first-weekend' : 'after-training';
  if (scope === 'first-weekend' && !labels.weekdayBaseline) {
    throw new CliError(`evaluate --first-weekend: ${values.labels} has no weekdayBaseline (a dataset that starts with working days and a weekend, such as --preset enterprise)`);
  }
  const defaults = scope === 'first-weekend' ? labels.weekdayBaseline!.weekendFiles : labels.files;
  const files = values.pcap?.length ? values.pcap : defaults.map((f) => resolve(dirname(values.labels!), f));
  if (files.length === 0) throw new CliError('evaluate: no capture files; give --pcap FILE... or a labels file that lists "files"');
  let model;
  try {
    model = await loadModel(values.model, { modelsDir: modelsDirFrom(values.models) });
  } catch (err) {
    throw new CliError(`evaluate --model: ${(err as Error).message}`, 1);
  }
  let evaluation: EvaluationRun;
  try {
    evaluation = new EvaluationRun(labels, model, {
      ioc: values.ioc ?? relativeTo(values.labels, labels.iocFile),
      criticality: values.criticality ?? relativeTo(values.labels, labels.criticalityFile),
      sensor: 'evaluate',
      calendar: calendarFrom(values, 'evaluate', model.meta.baseline.calendar),
    }, scope);
  } catch (err) {
    throw new CliError(`evaluate: ${(err as Error).message}`, 1);
  }
  try {
    await windowsFromCaptures(files, { windowMs: model.meta.windowMs, localNets: labels.localNets, sensor: 'evaluate' }, (w) => evaluation.add(w));
  } catch (err) {
    throw new CliError(`evaluate --pcap: ${(err as Error).message}`, 1);
  }
  const report = evaluation.report();
  if (values.record) {
    try {
      recordEvaluation(resolveModelDir(values.model, modelsDirFrom(values.models)), values.labels, report);
    } catch (err) {
      throw new CliError(`evaluate --record: ${(err as Error).message}`, 1);
    }
  }
  process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatEvaluation(report) + '\n');
  return 0;
}
