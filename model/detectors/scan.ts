// scan: one initiator opens flows to many new ports of one host (vertical), to many new hosts on
// one port (horizontal), or leaves many SYNs unanswered — fast (within 10 s) or slow (over five
// minutes or an hour) — well above both a fixed floor and what this host, and the hosts that use
// the same port, did in training (a proxy legitimately talks to many hosts on 443, a monitoring
// server polls every host). The finding lists the targets or ports it saw.
import type { DetectorLimits } from '../detectorLimits.ts';
import { LIMIT_HEADROOM } from '../detectorLimits.ts';
import type { ScanBaseline } from '../scanBaseline.ts';
import { SCAN_HORIZONS_MS, SCAN_HORIZON_LABELS, ScanCounter, type ScanCandidate } from './scanCounter.ts';
import { sustained } from './slidingCounts.ts';
import { contributionsFrom, formatCount, round, type Detector, type Finding, type WindowContext } from './finding.ts';

/**
 * New items per horizon that count as a scan whatever the baseline: 20 hosts (ports) in 10 s,
 * 60 hosts (40 ports) in 5 min — a new one every 5 s (7.5 s) —, 200 hosts (100 ports) in an hour.
 */
export const SCAN_FLOORS = { horizontal: [20, 60, 200], vertical: [20, 40, 100] } as const;
/** How far above the learned maximum a slow (minutes, hour) count must go; the 10 s horizon keeps LIMIT_HEADROOM. */
export const SCAN_SLOW_HEADROOM = 2;
export const MIN_UNANSWERED_SYN_PER_S = 20;
const SYN_HOLD_MS = 30_000;
/** targets or ports listed on a finding */
const EVIDENCE_ITEMS = 20;

export interface ScanVerdict { strength: number; horizon: number; limit: number; normal: number }

export function judgeScan(c: ScanCandidate, normal: readonly number[]): ScanVerdict | null {
  const floors = SCAN_FLOORS[c.type];
  let best: ScanVerdict | null = null;
  for (let h = 0; h < floors.length; h++) {
    const limit = Math.max(floors[h]!, Math.ceil(normal[h]! * (h === 0 ? LIMIT_HEADROOM : SCAN_SLOW_HEADROOM)));
    if (c.counts[h]! < limit || !sustained(c.counts, SCAN_HORIZONS_MS, h)) continue;
    const strength = c.counts[h]! / limit;
    if (!best || strength > best.strength) best = { strength, horizon: h, limit, normal: normal[h]! };
  }
  return best;
}

export class ScanDetector implements Detector {
  private readonly counter = new ScanCounter();
  /** candidates of the last window, for online learning once the window is known to be quiet */
  lastCandidates: readonly ScanCandidate[] = [];

  constructor(private readonly limits: DetectorLimits, private readonly baseline: ScanBaseline) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    const { w } = ctx;
    const candidates = this.counter.add(w);
    this.lastCandidates = candidates;
    const best = new Map<string, { c: ScanCandidate; v: ScanVerdict }>();
    for (const c of candidates) {
      const v = judgeScan(c, this.baseline.normalFor(c, w.start));
      if (!v) continue;
      const prev = best.get(c.initiator);
      if (!prev || v.strength > prev.v.strength) best.set(c.initiator, { c, v });
    }
    const perSec = 1000 / Math.max(1, w.durationMs);
    const synLimit = Math.max(MIN_UNANSWERED_SYN_PER_S, this.limits.synUnansweredMax * LIMIT_HEADROOM);
    for (const h of w.topLocalHosts) {
      const rate = h.tcpSynUnanswered * perSec;
      if (rate < synLimit || best.has(h.host)) continue;
      const strength = rate / synLimit;
      out.push({
        kind: 'scan', key: `scan|${h.host}`, subject: { localHost: h.host }, strength, score: round(rate),
        observed: { feature: 'host.tcpSynUnanswered', value: round(rate), unit: 'SYN/s' },
        expected: { low: 0, high: round(this.limits.synUnansweredMax), median: 0 },
        contributions: contributionsFrom([{ feature: 'host.tcpSynUnanswered', observed: rate, expected: this.limits.synUnansweredMax, excess: rate - synLimit }]),
        maturity: 1,
        summary: `${h.host} sent ${formatCount(round(rate))} SYNs/s that got no answer (normal traffic peaked at ${formatCount(round(this.limits.synUnansweredMax))}/s)`,
        // a rate hovering at the limit must not open a new incident every few seconds
        holdMs: Math.max(SYN_HOLD_MS, 2 * w.durationMs),
      });
    }
    for (const { c, v } of best.values()) out.push(scanFinding(c, v, w.durationMs));
  }
}

function scanFinding(c: ScanCandidate, v: ScanVerdict, windowMs: number): Finding {
  const vertical = c.type === 'vertical';
  const items = ScanCounter.recentItems(c, EVIDENCE_ITEMS);
  const listed = vertical
    ? { ports: items.filter((i): i is number => typeof i === 'number') }
    : { targets: items.filter((i): i is string => typeof i === 'string') };
  const subject: Finding['subject'] = vertical
    ? (c.initiatorIsLocal ? { localHost: c.initiator, remote: c.target! } : { remote: c.initiator, localHost: c.target! })
    : (c.initiatorIsLocal ? { localHost: c.initiator, port: c.port! } : { remote: c.initiator, port: c.port! });
  const feature = vertical ? 'scan.distinctPorts' : 'scan.distinctTargets';
  const h = v.horizon;
  const label = SCAN_HORIZON_LABELS[h];
  const count = c.counts[h]!;
  return {
    kind: 'scan', key: `scan|${c.initiator}`, subject: { ...subject, ...listed }, strength: v.strength, score: count,
    observed: { feature, value: count, unit: `${vertical ? 'ports' : 'hosts'} in ${label}` },
    expected: { low: 0, high: v.normal, median: 0 },
    contributions: contributionsFrom(SCAN_HORIZONS_MS.map((_, i) => ({
      feature: `${feature}.${SCAN_HORIZON_LABELS[i]!.replace(' ', '')}`, observed: c.counts[i]!, expected: i === h ? v.normal : 0,
      excess: i === h ? 1 : 0.1 * c.counts[i]! / Math.max(1, count),
    }))),
    maturity: 1,
    summary: vertical
      ? `${c.initiator} opened flows to ${count} new ports of ${c.target} within ${label} (vertical scan; the most normal traffic showed was ${v.normal})`
      : `${c.initiator} contacted ${count} new hosts on port ${c.port} within ${label} (horizontal scan; the most normal traffic showed was ${v.normal})`,
    // a slow scan adds a host every few seconds: keep its incident open between them
    ...(h === 0 ? {} : { holdMs: Math.max(30_000, 2 * windowMs) }),
  };
}
