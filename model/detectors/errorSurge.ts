// error-surge: TCP resets, ICMP unreachables or NXDOMAIN answers far above what this time of
// day normally shows — broken services, failing lookups (DGA malware), or a scan's echo.
import { NETWORK_FEATURES, featureIndex, activeHosts } from '../features.ts';
import type { SeasonalBaseline } from '../seasonalBaseline.ts';
import { upperBand, type BandResult } from './bandCheck.ts';
import { contributionsFrom, formatCount, round, type Detector, type Finding, type WindowContext } from './finding.ts';

/** Errors per second below this never count, however quiet the baseline. */
export const MIN_ERRORS_PER_S = 5;

const SIGNALS = [
  { feature: 'tcp.rst', label: 'TCP resets', host: 'tcpRstReceived' as const },
  { feature: 'icmp.unreachable', label: 'ICMP unreachables', host: null },
  { feature: 'dns.nxdomain', label: 'NXDOMAIN answers', host: 'dnsNxdomain' as const },
].map((s) => ({ ...s, index: featureIndex(s.feature), spec: NETWORK_FEATURES[featureIndex(s.feature)]! }));

export class ErrorSurgeDetector implements Detector {
  constructor(private readonly baseline: SeasonalBaseline) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    const { w, features } = ctx;
    const fired: Array<{ s: (typeof SIGNALS)[number]; band: BandResult; rate: number }> = [];
    for (const s of SIGNALS) {
      const v = features[s.index]!;
      const rate = Math.expm1(v);
      if (rate < MIN_ERRORS_PER_S) continue;
      const band = upperBand(this.baseline, s.feature, s.spec, v, w.start);
      if (band && band.strength > 1) fired.push({ s, band, rate });
    }
    if (fired.length === 0) return;
    fired.sort((a, b) => b.band.strength - a.band.strength);
    const lead = fired[0]!;
    let localHost: string | undefined;
    if (lead.s.feature === 'dns.nxdomain') localHost = mostNxdomain(ctx);
    if (!localHost && lead.s.host) {
      let max = 0;
      // the most affected host need not be among the busiest: read the full host table
      for (const h of activeHosts(w)) if (h[lead.s.host] > max) { max = h[lead.s.host]; localHost = h.host; }
    }
    out.push({
      kind: 'error-surge',
      key: 'error-surge|network',
      subject: localHost ? { localHost } : {},
      strength: lead.band.strength,
      score: round(Math.log2(lead.band.strength) + 1),
      observed: { feature: lead.s.feature, value: round(lead.rate), unit: lead.s.spec.unit },
      expected: { low: round(lead.band.low), high: round(lead.band.high), median: round(lead.band.median) },
      contributions: contributionsFrom(fired.map((f) => ({ feature: f.s.feature, observed: f.rate, expected: f.band.median, excess: Math.log(f.band.strength) + 1e-3 }))),
      maturity: lead.band.exp.maturity,
      summary: `${formatCount(round(lead.rate))} ${lead.s.label}/s, expected at most ${formatCount(round(lead.band.high))}/s ${this.baseline.calendar.describe(lead.band.exp.slot, w.start)}${localHost ? `; ${localHost} is the most affected host` : ''}`,
    });
  }
}

/**
 * The client that received the most NXDOMAIN answers, counted on the names it asked (a resolver's
 * forwarded copies removed), so a storm is filed under the asking host and not under the resolver
 * that got the same answers from upstream.
 */
function mostNxdomain(ctx: WindowContext): string | undefined {
  const perClient = new Map<string, number>();
  let best: string | undefined;
  let max = 0;
  for (const d of ctx.dnsNames) {
    if (d.nxdomain === 0) continue;
    const n = (perClient.get(d.client) ?? 0) + d.nxdomain;
    perClient.set(d.client, n);
    if (n > max) { max = n; best = d.client; }
  }
  return best;
}
