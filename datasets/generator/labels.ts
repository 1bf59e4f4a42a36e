// The labels file (labels.json) that says what happened when: the contract with `spanwatch
// evaluate`. Times are ms since the epoch.

export const LABELS_VERSION = 1;

/**
 * What an incident is. Every kind but `role-change` is also the anomaly kind of the detector meant
 * to find it; a `role-change` (a host that starts behaving like another kind of host) is found by
 * the model as a deviation of the host's profile (see docs/datasets.md, "Label kinds").
 */
export type LabelledKind =
  | 'outbound-spike' | 'scan' | 'error-surge' | 'host-silent' | 'new-destination' | 'dns-tunnel' | 'beaconing' | 'threat-intel'
  | 'role-change';

export const LABELLED_KINDS: readonly LabelledKind[] = [
  'outbound-spike', 'scan', 'error-surge', 'host-silent', 'new-destination', 'dns-tunnel', 'beaconing', 'threat-intel', 'role-change',
];

export interface TimeRange {
  start: number;
  end: number;
}

export interface IncidentLabel extends TimeRange {
  id: string;
  kind: LabelledKind;
  /** the local host that stands out */
  host?: string;
  /** the remote endpoint (an address, or a CIDR for a sweep) */
  remote?: string;
  domain?: string;
  description: string;
}

/** Traffic that looks unusual but is normal (a recurring peak the baseline should learn). */
export interface NormalPeakLabel extends TimeRange {
  host: string;
  description: string;
}

/** Traffic made to resemble an incident that is not one (detectors must stay quiet). */
export interface LookAlikeLabel extends TimeRange {
  id: string;
  resembles: LabelledKind;
  host: string;
  remote?: string;
  description: string;
}

export interface DatasetLabels {
  version: typeof LABELS_VERSION;
  seed: number;
  /** capture files, relative to the labels file */
  files: string[];
  localNets: string[];
  /** the normal days before the incidents: what to train on */
  trainRange: TimeRange;
  incidents: IncidentLabel[];
  normalPeaks: NormalPeakLabel[];
  lookAlikes: LookAlikeLabel[];
  iocFile: string;
  criticalityFile: string;
  /** the site's IANA time zone (enterprise datasets; absent means UTC) */
  timezone?: string;
  /** public holidays, local dates YYYY-MM-DD */
  holidays?: string[];
  /** every day of the dataset: local date, kind of day, and its local-midnight bounds */
  days?: LabelledDay[];
  /** five working days to train on and the weekend after them (the first-weekend check) */
  weekdayBaseline?: WeekdayBaseline;
}

export interface LabelledDay extends TimeRange {
  date: string;
  type: 'weekday' | 'weekend' | 'holiday';
  file: string;
}

export interface WeekdayBaseline {
  /** the working days' capture files */
  trainFiles: string[];
  trainRange: TimeRange;
  /** the weekend right after them: score these windows with a model trained on trainFiles */
  weekendRange: TimeRange;
  weekendFiles: string[];
}

export type Criticality = 'low' | 'medium' | 'high' | 'critical';

export interface CriticalityEntry {
  cidr: string;
  criticality: Criticality;
  name: string;
}

/** Checks a parsed labels file; the message names the first bad field. */
export function parseLabels(value: unknown, source: string): DatasetLabels {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what} (see docs/datasets.md for the labels.json format)`);
  };
  if (typeof value !== 'object' || value === null) fail('not a JSON object');
  const v = value as Record<string, unknown>;
  if (v.version !== LABELS_VERSION) fail(`version is ${JSON.stringify(v.version)}, expected ${LABELS_VERSION}`);
  if (!Array.isArray(v.files) || !v.files.every((f) => typeof f === 'string')) fail('files must be a list of capture file names');
  if (!Array.isArray(v.localNets) || !v.localNets.every((f) => typeof f === 'string')) fail('localNets must be a list of CIDRs');
  if (!isRange(v.trainRange)) fail('trainRange must be {"start": ms, "end": ms} with start < end');
  if (!Array.isArray(v.incidents)) fail('incidents must be a list');
  (v.incidents as unknown[]).forEach((inc, i) => {
    const o = inc as Record<string, unknown>;
    if (!isRange(inc)) fail(`incidents[${i}] needs numeric start < end`);
    if (!LABELLED_KINDS.includes(o.kind as LabelledKind)) fail(`incidents[${i}].kind '${String(o.kind)}' is not one of ${LABELLED_KINDS.join(', ')}`);
    if (typeof o.id !== 'string') fail(`incidents[${i}].id must be a string`);
  });
  if (v.normalPeaks !== undefined && !Array.isArray(v.normalPeaks)) fail('normalPeaks must be a list');
  if (v.lookAlikes !== undefined && !Array.isArray(v.lookAlikes)) fail('lookAlikes must be a list');
  return {
    version: LABELS_VERSION,
    seed: typeof v.seed === 'number' ? v.seed : 0,
    files: v.files as string[],
    localNets: v.localNets as string[],
    trainRange: v.trainRange as TimeRange,
    incidents: v.incidents as IncidentLabel[],
    normalPeaks: (v.normalPeaks ?? []) as NormalPeakLabel[],
    lookAlikes: (v.lookAlikes ?? []) as LookAlikeLabel[],
    iocFile: typeof v.iocFile === 'string' ? v.iocFile : '',
    criticalityFile: typeof v.criticalityFile === 'string' ? v.criticalityFile : '',
    ...(typeof v.timezone === 'string' ? { timezone: v.timezone } : {}),
    ...(Array.isArray(v.holidays) ? { holidays: (v.holidays as unknown[]).filter((h): h is string => typeof h === 'string') } : {}),
    ...(Array.isArray(v.days) ? { days: v.days as LabelledDay[] } : {}),
    ...(typeof v.weekdayBaseline === 'object' && v.weekdayBaseline !== null ? { weekdayBaseline: v.weekdayBaseline as WeekdayBaseline } : {}),
  };
}

function isRange(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.start === 'number' && typeof r.end === 'number' && r.start < r.end;
}
