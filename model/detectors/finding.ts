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

export function formatBytes(v: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
