// beaconing: one local host opens flows to one remote port at a steady interval (malware checking
// in). Per (local, remote, port) the detector keeps the last few flow-start times; intervals with
// little jitter fire. Pairs that were already periodic in training (NTP, update checks) are known.
import type { WindowStats } from '../../capture/index.ts';
import { contributionsFrom, round, type Detector, type Finding, type WindowContext } from './finding.ts';

export const BEACON_MIN_STARTS = 8;
export const BEACON_MAX_JITTER = 0.2;
export const BEACON_MIN_INTERVAL_MS = 1_500;
export const BEACON_MAX_INTERVAL_MS = 3_600_000;
const HISTORY = 10;
const MAX_PAIRS = 50_000;

export interface BeaconCandidate { local: string; remote: string; port: number; key: string; intervalMs: number; jitter: number; starts: number }

/** Per-pair flow-start history (shared with training, which records the periodic pairs). */
export class BeaconTracker {
  private readonly pairs = new Map<string, number[]>();

  add(w: WindowStats): BeaconCandidate[] {
    const out: BeaconCandidate[] = [];
    const seen = new Set<string>();
    for (const f of w.flowStarts) {
      // 'other' flows (neither end local) keep the initiator as `local`: a sensor watching a
      // segment it was not told is local still sees the pattern
      if (f.direction !== 'outbound' && f.direction !== 'other') continue;
      const key = `${f.local}|${f.remote}|${f.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let ts = this.pairs.get(key);
      if (!ts) {
        ts = [];
        this.pairs.set(key, ts);
      }
      ts.push(f.ts);
      if (ts.length > HISTORY) ts.shift();
      if (ts.length < BEACON_MIN_STARTS) continue;
      let sum = 0;
      for (let i = 1; i < ts.length; i++) sum += ts[i]! - ts[i - 1]!;
      const mean = sum / (ts.length - 1);
      if (mean < Math.max(BEACON_MIN_INTERVAL_MS, 1.5 * w.durationMs) || mean > BEACON_MAX_INTERVAL_MS) continue;
      let sq = 0;
      for (let i = 1; i < ts.length; i++) sq += (ts[i]! - ts[i - 1]! - mean) ** 2;
      const jitter = Math.sqrt(sq / (ts.length - 1)) / mean;
      out.push({ local: f.local, remote: f.remote, port: f.port, key, intervalMs: mean, jitter, starts: ts.length });
    }
    // bounded: the oldest pairs go first (insertion order; an active beacon is re-learnt quickly)
    while (this.pairs.size > MAX_PAIRS) this.pairs.delete(this.pairs.keys().next().value!);
    return out;
  }
}

export function isBeacon(c: BeaconCandidate): boolean {
  return c.jitter <= BEACON_MAX_JITTER;
}

export class BeaconingDetector implements Detector {
  private readonly tracker = new BeaconTracker();
  constructor(private readonly periodicPairs: ReadonlySet<string>) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    for (const c of this.tracker.add(ctx.w)) {
      if (!isBeacon(c) || this.periodicPairs.has(c.key)) continue;
      const regularity = 1 - c.jitter / BEACON_MAX_JITTER;
      out.push({
        kind: 'beaconing',
        key: `beaconing|${c.key}`,
        subject: { localHost: c.local, remote: c.remote, port: c.port },
        strength: 1 + regularity * 2,
        score: round(1 - c.jitter),
        observed: { feature: 'pair.intervalJitter', value: round(c.jitter), unit: 'coefficient of variation' },
        expected: { low: BEACON_MAX_JITTER, high: 1, median: 1 },
        contributions: contributionsFrom([
          { feature: 'pair.intervalJitter', observed: c.jitter, expected: BEACON_MAX_JITTER, excess: regularity + 0.01 },
          { feature: 'pair.flowStarts', observed: c.starts, expected: BEACON_MIN_STARTS, excess: 0.01 * c.starts },
        ]),
        maturity: 1,
        summary: `${c.local} connects to ${c.remote}:${c.port} every ${(c.intervalMs / 1000).toFixed(1)} s with ${(c.jitter * 100).toFixed(0)}% jitter (${c.starts} flows) — possible beaconing`,
        holdMs: 2.5 * c.intervalMs,
      });
    }
  }
}
