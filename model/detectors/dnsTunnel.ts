// dns-tunnel: one client asks many distinct, long, random-looking names under one registered
// domain — data smuggled in query names — fast (hundreds in half a minute) or low and slow (a
// name every few seconds for an hour). Domains whose clients normally ask random names
// (antivirus reputation lookups, CDN hashes) have learned maxima per horizon; a tunnel must be far
// above them. Names are attributed to the client, not to the resolver that forwards for it.
import type { DnsAttribution } from '../dnsAttribution.ts';
import type { DomainBaseline } from '../domainBaseline.ts';
import { DNS_HORIZONS_MS, DNS_HORIZON_LABELS, DnsNameCounter, type DomainCandidate } from './dnsNameCounter.ts';
import { sustained } from './slidingCounts.ts';
import { contributionsFrom, round, type Detector, type Finding, type WindowContext } from './finding.ts';

/**
 * Distinct random-looking names one client must ask under one domain within each horizon before
 * it can count as a tunnel, whatever the baseline: 15 in 30 s (a name every 2 s), 60 in 10 min
 * (one every 10 s), 200 in an hour (one every 18 s).
 */
export const TUNNEL_FLOORS = [15, 60, 200] as const;
/** How far above a domain's learned maximum a client must go. */
export const TUNNEL_BASELINE_HEADROOM = 2;
/** mean length of the part below the registered domain */
export const MIN_TUNNEL_LABEL_LENGTH = 20;
/** mean Shannon entropy of that part, bits per character (English words sit near 3, hex near 4) */
export const MIN_TUNNEL_ENTROPY = 3.3;
/** long names that do not look random (reversed-IP blocklist lookups) need this many times the limit */
const NON_RANDOM_FACTOR = 2;
/** a slow tunnel asks a name every few seconds: the incident stays open between them */
const TUNNEL_HOLD_MS = 60_000;

export interface TunnelVerdict { strength: number; horizon: number; limit: number; limits: number[]; random: boolean }

/** Per horizon, the count a client must reach under this domain: the floor or twice the learned maximum. */
export function tunnelLimits(learned: readonly number[] | undefined): number[] {
  return TUNNEL_FLOORS.map((floor, i) => Math.max(floor, Math.ceil(TUNNEL_BASELINE_HEADROOM * (learned?.[i] ?? 0))));
}

/** How far `c` is past its limits at its worst horizon, or null when it is within them. */
export function judgeTunnel(c: DomainCandidate, learned: readonly number[] | undefined): TunnelVerdict | null {
  if (c.meanLength < MIN_TUNNEL_LABEL_LENGTH) return null;
  const random = c.meanEntropy >= MIN_TUNNEL_ENTROPY;
  const limits = tunnelLimits(learned);
  let best: TunnelVerdict | null = null;
  for (let i = 0; i < limits.length; i++) {
    const limit = random ? limits[i]! : NON_RANDOM_FACTOR * limits[i]!;
    if (c.counts[i]! < limit || !sustained(c.counts, DNS_HORIZONS_MS, i)) continue;
    const strength = c.counts[i]! / limit;
    if (!best || strength > best.strength) best = { strength, horizon: i, limit, limits, random };
  }
  return best;
}

export class DnsTunnelDetector implements Detector {
  private readonly counter = new DnsNameCounter();
  /** candidates of the last window, for online learning once the window is known to be quiet */
  lastCandidates: readonly DomainCandidate[] = [];

  constructor(private readonly domains: DomainBaseline, private readonly attribution: DnsAttribution) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    const candidates = this.counter.add(ctx.dnsNames, ctx.w.start + ctx.w.durationMs, ctx.w.durationMs);
    this.lastCandidates = candidates;
    for (const c of candidates) {
      const resolver = this.attribution.isResolver(c.client);
      const learned = this.domains.maxFor(c.client, c.domain, resolver, ctx.w.start);
      const v = judgeTunnel(c, learned);
      if (!v) continue;
      const h = v.horizon;
      const known = learned !== undefined;
      const clients = this.domains.clientsOf(c.domain);
      out.push({
        kind: 'dns-tunnel',
        key: `dns-tunnel|${c.client}|${c.domain}`,
        subject: { localHost: c.client, domain: c.domain },
        strength: v.strength,
        score: round(v.strength),
        observed: { feature: 'dns.distinctNames', value: c.counts[h]!, unit: `names in ${DNS_HORIZON_LABELS[h]}` },
        expected: { low: 0, high: learned?.[h] ?? 0, median: 0 },
        contributions: contributionsFrom([
          ...DNS_HORIZONS_MS.map((_, i) => ({
            feature: `dns.distinctNames.${DNS_HORIZON_LABELS[i]!.replace(' ', '')}`, observed: c.counts[i]!, expected: learned?.[i] ?? 0,
            excess: c.counts[i]! / v.limits[i]!,
          })),
          { feature: 'dns.subdomainLength', observed: c.meanLength, expected: MIN_TUNNEL_LABEL_LENGTH, excess: 0.1 * c.meanLength / MIN_TUNNEL_LABEL_LENGTH },
          { feature: 'dns.subdomainEntropy', observed: c.meanEntropy, expected: MIN_TUNNEL_ENTROPY, excess: 0.1 * c.meanEntropy / MIN_TUNNEL_ENTROPY },
        ]),
        maturity: 1,
        summary: `${c.client}${resolver ? ' (a resolver; its clients are not visible)' : ''} asked ${c.counts[h]} distinct names under ${c.domain} in ${DNS_HORIZON_LABELS[h]} ` +
          `(mean ${c.meanLength.toFixed(0)} chars, ${c.meanEntropy.toFixed(1)} bits/char); ` +
          (known ? `the most one client asked there in training was ${learned![h]} (${clients} client${clients === 1 ? '' : 's'} use it)` : 'no client asked names under it in training') +
          ' — possible DNS tunnel',
        holdMs: Math.max(TUNNEL_HOLD_MS, 2 * ctx.w.durationMs),
      });
    }
  }
}
