// beaconing: one local host opens flows to one remote port at a steady interval (malware checking
// in). Per (local, remote, port) the detector keeps the last flow-start times and the bytes sent to
// the remote in each start's window, and scores them the way RITA does (analysis/beacons.go):
// named sub-scores for interval dispersion and skew, size dispersion and skew, connection count
// and duration, each kept on the anomaly. A pair fires when its intervals are tight (robust
// dispersion and trimmed coefficient of variation), and the mean of the sub-scores ranks it
// (strength, severity). Pairs periodic in training, and periodic
// services — the same destination polled by several hosts (monitoring agents, NTP, update
// checks) — are known: a host that starts the same heartbeat is not a beacon.
import type { WindowStats } from '../../capture/index.ts';
import { payloadOutTo } from '../destinationBaseline.ts';
import type { PeriodicServices } from '../periodicServices.ts';
import { formatCount, round, type Detector, type Finding, type WindowContext } from './finding.ts';

export const BEACON_MIN_STARTS = 8;
/**
 * Both the median absolute deviation of the intervals about their median, relative to the median,
 * and their coefficient of variation without the shortest and longest interval: at most this.
 * The first alone is fooled by chance among thousands of irregular pairs (it ignores half the
 * intervals); the second alone by one missed check-in.
 */
export const BEACON_MAX_DISPERSION = 0.2;
export const BEACON_MIN_INTERVAL_MS = 1_500;
export const BEACON_MAX_INTERVAL_MS = 3_600_000;
/** relative dispersion at which a dispersion sub-score reaches 0 */
const DISPERSION_SCALE = 0.4;
/** starts, and time since the pair was first seen, at which the count and duration sub-scores reach 1 */
const FULL_COUNT = 24;
const FULL_DURATION_MS = 3_600_000;
const HISTORY = 24;
const MAX_PAIRS = 50_000;

export interface BeaconScores {
  intervalDispersion: number;
  intervalSkew: number;
  /** null when the sizes were not seen (the remote was not among the window's top endpoints) */
  sizeDispersion: number | null;
  sizeSkew: number | null;
  connectionCount: number;
  duration: number;
}

export interface BeaconCandidate {
  local: string; remote: string; port: number; key: string;
  /** median interval, ms */
  intervalMs: number;
  /** median absolute deviation of the intervals / median */
  dispersion: number;
  /** coefficient of variation of the intervals without the shortest and the longest */
  trimmedCv: number;
  starts: number;
  scores: BeaconScores;
  score: number;
}

interface PairHistory { first: number; ts: number[]; bytes: number[] }

/** Per-pair flow-start history (shared with training, which records the periodic pairs and services). */
export class BeaconTracker {
  private readonly pairs = new Map<string, PairHistory>();
  private readonly seen = new Set<string>();

  add(w: WindowStats): BeaconCandidate[] {
    const out: BeaconCandidate[] = [];
    const seen = this.seen;
    seen.clear();
    let sent: Map<string, number> | null = null;
    for (const f of w.flowStarts) {
      // 'other' flows (neither end local) keep the initiator as `local`: a sensor watching a
      // segment it was not told is local still sees the pattern
      if (f.direction !== 'outbound' && f.direction !== 'other') continue;
      const key = `${f.local}|${f.remote}|${f.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      sent ??= payloadByRemote(w);
      const bytes = sent.get(f.remote) ?? NaN;
      let h = this.pairs.get(key);
      if (h) {
        this.pairs.delete(key);
        this.pairs.set(key, h);
        h.ts.push(f.ts);
        h.bytes.push(bytes);
      } else {
        // most pairs never start a second flow: one-element lists, not the room a push makes for sixteen
        h = { first: f.ts, ts: [f.ts], bytes: [bytes] };
        this.pairs.set(key, h);
      }
      if (h.ts.length > HISTORY) {
        h.ts.shift();
        h.bytes.shift();
      }
      if (h.ts.length < BEACON_MIN_STARTS) continue;
      const c = scorePair(h, w.durationMs);
      if (c) out.push({ local: f.local, remote: f.remote, port: f.port, key, ...c });
    }
    // bounded: the least recently active pairs go first (an active beacon is re-learnt quickly)
    while (this.pairs.size > MAX_PAIRS) this.pairs.delete(this.pairs.keys().next().value!);
    return out;
  }
}

function payloadByRemote(w: WindowStats): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of w.topRemoteEndpoints) m.set(r.host, payloadOutTo(r));
  return m;
}

function scorePair(h: PairHistory, windowMs: number): Omit<BeaconCandidate, 'local' | 'remote' | 'port' | 'key'> | null {
  const intervals: number[] = [];
  for (let i = 1; i < h.ts.length; i++) intervals.push(h.ts[i]! - h.ts[i - 1]!);
  intervals.sort((a, b) => a - b);
  const t = robustShape(intervals);
  if (t.median < Math.max(BEACON_MIN_INTERVAL_MS, 1.5 * windowMs) || t.median > BEACON_MAX_INTERVAL_MS) return null;
  const sizes = h.bytes.filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
  const s = sizes.length >= BEACON_MIN_STARTS ? robustShape(sizes) : null;
  const scores: BeaconScores = {
    intervalDispersion: dispersionScore(t.dispersion),
    intervalSkew: 1 - Math.abs(t.skew),
    sizeDispersion: s ? dispersionScore(s.dispersion) : null,
    sizeSkew: s ? 1 - Math.abs(s.skew) : null,
    connectionCount: Math.min(1, h.ts.length / FULL_COUNT),
    duration: Math.min(1, (h.ts[h.ts.length - 1]! - h.first) / FULL_DURATION_MS),
  };
  const parts = Object.values(scores).filter((v): v is number => v !== null);
  const score = parts.reduce((a, b) => a + b, 0) / parts.length;
  return { intervalMs: t.median, dispersion: t.dispersion, trimmedCv: trimmedCv(intervals), starts: h.ts.length, scores, score };
}

/** Median, Bowley skew and median absolute deviation about the median (relative to the median) of sorted values. */
function robustShape(sorted: number[]): { median: number; skew: number; dispersion: number } {
  const q = (p: number): number => sorted[Math.round(p * (sorted.length - 1))]!;
  const low = q(0.25);
  const mid = q(0.5);
  const high = q(0.75);
  // Bowley's skew is unreliable when the median sits on a quartile (RITA sets it to 0 then)
  const skew = high !== low && mid !== low && mid !== high ? (low + high - 2 * mid) / (high - low) : 0;
  const devs = sorted.map((v) => Math.abs(v - mid)).sort((a, b) => a - b);
  const madm = devs[Math.round(0.5 * (devs.length - 1))]!;
  return { median: mid, skew, dispersion: mid > 0 ? madm / mid : madm > 0 ? Infinity : 0 };
}

/** Coefficient of variation of sorted values without the first and the last (one missed or doubled check-in). */
function trimmedCv(sorted: number[]): number {
  const v = sorted.length > 4 ? sorted.slice(1, -1) : sorted;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return mean > 0 ? sd / mean : Infinity;
}

function dispersionScore(relative: number): number {
  return Math.max(0, 1 - relative / DISPERSION_SCALE);
}

/**
 * Looser rhythms need more check-ins before they count: chance lines up a few irregular intervals
 * far more easily than many (8 starts for a perfect rhythm, 16 at the dispersion limit).
 */
export function startsNeeded(dispersion: number): number {
  return Math.ceil(BEACON_MIN_STARTS * (1 + dispersion / BEACON_MAX_DISPERSION));
}

export function isBeacon(c: BeaconCandidate): boolean {
  return c.dispersion <= BEACON_MAX_DISPERSION && c.trimmedCv <= BEACON_MAX_DISPERSION && c.starts >= startsNeeded(c.dispersion);
}

const SCORE_NAMES: Array<keyof BeaconScores> = ['intervalDispersion', 'intervalSkew', 'sizeDispersion', 'sizeSkew', 'connectionCount', 'duration'];

export class BeaconingDetector implements Detector {
  private readonly tracker = new BeaconTracker();
  /** candidates of the last window, for online learning once the window is known to be quiet */
  lastCandidates: readonly BeaconCandidate[] = [];

  constructor(private readonly services: PeriodicServices) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    const candidates = this.tracker.add(ctx.w);
    this.lastCandidates = candidates;
    for (const c of candidates) {
      if (!isBeacon(c) || this.services.covers(c, ctx.w.start)) continue;
      const parts = SCORE_NAMES.flatMap((name) => {
        const v = c.scores[name];
        return v === null ? [] : [{ feature: `beacon.${name}`, observed: round(v), expected: 0, share: 0 }];
      });
      const total = parts.reduce((a, p) => a + p.observed, 0);
      for (const p of parts) p.share = round(total > 0 ? p.observed / total : 0);
      out.push({
        kind: 'beaconing',
        key: `beaconing|${c.key}`,
        subject: { localHost: c.local, remote: c.remote, port: c.port },
        strength: 1 + 2 * c.score,
        score: round(c.score),
        observed: { feature: 'beacon.score', value: round(c.score), unit: 'score (0–1)' },
        expected: { low: 0, high: 0, median: 0 },
        // every named sub-score is kept (the contribution list holds at most 5 elsewhere; a beacon has 6)
        contributions: parts,
        maturity: 1,
        summary: `${c.local} connects to ${c.remote}:${c.port} every ${formatInterval(c.intervalMs)} (±${(c.dispersion * 100).toFixed(0)}% median deviation, ${c.starts} flows), ` +
          `beacon score ${formatCount(round(c.score))} — possible beaconing`,
        holdMs: 2.5 * c.intervalMs,
      });
    }
  }
}

function formatInterval(ms: number): string {
  if (ms >= 120_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 1000).toFixed(1)} s`;
}
