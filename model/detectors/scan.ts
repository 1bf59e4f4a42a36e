// scan: one initiator touches many ports of one host (vertical), one port of many hosts
// (horizontal), or leaves many SYNs unanswered — well above both a fixed floor and the largest
// fan-out normal traffic showed in training (a proxy legitimately talks to many hosts on 443).
import type { DetectorLimits } from '../detectorLimits.ts';
import { LIMIT_HEADROOM } from '../detectorLimits.ts';
import { ScanCounter, SCAN_HORIZON_MS, type ScanCandidate } from './scanCounter.ts';
import { contributionsFrom, round, type Detector, type Finding, type WindowContext } from './finding.ts';

export const MIN_SCAN_PORTS = 20;
export const MIN_SCAN_TARGETS = 20;
export const MIN_UNANSWERED_SYN_PER_S = 20;

export class ScanDetector implements Detector {
  private counter: ScanCounter | null = null;
  constructor(private readonly limits: DetectorLimits) {}

  private verticalLimit(): number {
    return Math.max(MIN_SCAN_PORTS, Math.ceil(this.limits.scanVerticalMax * LIMIT_HEADROOM));
  }

  private horizontalLimit(port: number): number {
    return Math.max(MIN_SCAN_TARGETS, Math.ceil((this.limits.scanHorizontalMax[String(port)] ?? 0) * LIMIT_HEADROOM));
  }

  detect(ctx: WindowContext, out: Finding[]): void {
    const { w } = ctx;
    this.counter ??= ScanCounter.forWindow(w.durationMs);
    const best = new Map<string, { c: ScanCandidate; strength: number; limit: number }>();
    for (const c of this.counter.add(w)) {
      const limit = c.type === 'vertical' ? this.verticalLimit() : this.horizontalLimit(c.port!);
      if (c.count < limit) continue;
      const strength = c.count / limit;
      const prev = best.get(c.initiator);
      if (!prev || strength > prev.strength) best.set(c.initiator, { c, strength, limit });
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
        summary: `${h.host} sent ${Math.round(rate)} SYNs/s that got no answer (normal traffic peaked at ${Math.round(this.limits.synUnansweredMax)}/s)`,
      });
    }
    for (const { c, strength, limit } of best.values()) {
      const vertical = c.type === 'vertical';
      const subject: Finding['subject'] = vertical
        ? (c.initiatorIsLocal ? { localHost: c.initiator, remote: c.target! } : { remote: c.initiator, localHost: c.target! })
        : (c.initiatorIsLocal ? { localHost: c.initiator, port: c.port! } : { remote: c.initiator, port: c.port! });
      const feature = vertical ? 'scan.distinctPorts' : 'scan.distinctTargets';
      const normalMax = vertical ? this.limits.scanVerticalMax : (this.limits.scanHorizontalMax[String(c.port)] ?? 0);
      out.push({
        kind: 'scan', key: `scan|${c.initiator}`, subject, strength, score: c.count,
        observed: { feature, value: c.count, unit: vertical ? 'ports' : 'hosts' },
        expected: { low: 0, high: normalMax, median: 0 },
        contributions: contributionsFrom([{ feature, observed: c.count, expected: normalMax, excess: c.count - limit + 1 }]),
        maturity: 1,
        summary: vertical
          ? `${c.initiator} probed ${c.count} ports of ${c.target} within ${SCAN_HORIZON_MS / 1000} s (vertical scan)`
          : `${c.initiator} contacted ${c.count} hosts on port ${c.port} within ${SCAN_HORIZON_MS / 1000} s (horizontal scan)`,
      });
    }
  }
}
