// What a detector reports about one window, before incidents are merged and severity is set.
import type { DnsName, WindowStats } from '../../capture/index.ts';
import type { AnomalyKind, AnomalySubject, Contribution } from '../anomaly.ts';

export interface Finding {
  kind: AnomalyKind;
  /** identifies the incident this finding belongs to (kind + subject) */
  key: string;
  subject: AnomalySubject;
  /** how far past the detector's threshold: 1 = at the threshold */
  strength: number;
  /** raw detector score (detector-specific scale) */
  score: number;
  observed: { feature: string; value: number; unit: string };
  expected: { low: number; high: number; median: number };
  contributions: Contribution[];
  maturity: number;
  summary: string;
  /** how long the incident stays open without a new finding (defaults to two windows) */
  holdMs?: number;
  /** ends the incident now (e.g. a silent host came back) */
  closes?: boolean;
  /**
   * event time the finding's traffic began, when it sums more than its window (an upload budget
   * over many minutes): the incident starts there, so its interval holds the traffic it describes
   */
  since?: number;
}

export interface WindowContext {
  w: WindowStats;
  /** network features of the window (FEATURE_NAMES order) */
  features: Float64Array;
  captureLoss: boolean;
  /** the window's DNS names with resolvers' forwarded copies removed (dnsAttribution.ts) */
  dnsNames: readonly DnsName[];
  /** the engine's number of every active host of the window (activeHosts order; hostIndex.ts);
   * absent where a detector runs alone, which then numbers the hosts itself */
  hostIds?: Int32Array;
}

export interface Detector {
  detect(ctx: WindowContext, out: Finding[]): void;
}

/** Shares of the score from positive excesses, largest first, top `limit`. */
export function contributionsFrom(
  items: Array<{ feature: string; observed: number; expected: number; excess: number }>,
  limit = 5,
): Contribution[] {
  const pos = items.filter((i) => i.excess > 0 && Number.isFinite(i.excess));
  const total = pos.reduce((s, i) => s + i.excess, 0);
  if (total <= 0) return [];
  return pos
    .sort((a, b) => b.excess - a.excess)
    .slice(0, limit)
    .map((i) => ({ feature: i.feature, observed: round(i.observed), expected: round(i.expected), share: round(i.excess / total) }));
}

export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * A count or rate as the feed and the card print an observed value (ui/src/format.ts formatCount:
 * integers as they are, two decimals below 10, one below 10,000, then k/M/G), so the summary
 * sentence says the same number.
 */
export function formatCount(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(a < 10 ? 2 : 1);
}

/** A share as the feed prints it: whole percent, one decimal below 10 %. */
export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 && share > 0 ? 1 : 0)}%`;
}

/**
 * An observed value in its unit as the feed and the card print it (ui/src/format.ts formatValue):
 * sizes and byte rates in SI multiples, shares and jitter in percent, the rest as counts with
 * their unit (a plural noun leading the unit takes the singular for one).
 */
export function formatObserved(v: number, unit: string): string {
  if (unit === 'bytes' || unit === 'B') return formatBytes(v);
  const rate = /^(?:bytes|B)\/(s|min|h)$/.exec(unit);
  if (rate) return `${formatBytes(v)}/${rate[1]}`;
  if (unit === 'share' || unit.startsWith('share of')) return `${formatPercent(v)}${unit === 'share' ? '' : unit.slice(5)}`;
  if (unit === 'coefficient of variation') return `${formatPercent(v)} jitter`;
  if (unit === 'matches') return `${formatCount(v)} ${v === 1 ? 'match' : 'matches'}`;
  if (!unit) return formatCount(v);
  return `${formatCount(v)} ${v === 1 ? unit.replace(/^([a-z]{3,})s\b/, '$1') : unit}`;
}

export function formatBytes(v: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
