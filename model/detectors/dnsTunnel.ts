// dns-tunnel: one client asks many distinct, long, random-looking names under one registered
// domain in a short time — data smuggled in query names. Busy but ordinary domains (CDNs with a
// handful of hosts) stay below the distinct-name floor and the length/entropy test.
import type { WindowStats } from '../../capture/index.ts';
import { shannonEntropy, splitName } from '../domainNames.ts';
import { LIMIT_HEADROOM, type DetectorLimits } from '../detectorLimits.ts';
import { contributionsFrom, round, type Detector, type Finding, type WindowContext } from './finding.ts';

export const DNS_HORIZON_MS = 30_000;
export const MIN_TUNNEL_NAMES = 15;
/** mean length of the part below the registered domain */
export const MIN_TUNNEL_LABEL_LENGTH = 20;
export const MIN_TUNNEL_ENTROPY = 3.3;
const MAX_NAMES_PER_PAIR = 512;
const MAX_PAIRS = 5_000;

interface PairState { names: Map<string, number>; queries: number; lengthSum: number; entropySum: number; since: number; last: number }

export interface TunnelCandidate { client: string; domain: string; names: number; queries: number; meanLength: number; meanEntropy: number }

/** Distinct subdomain names per (client, registered domain) over a sliding horizon. */
export class DnsNameCounter {
  private readonly pairs = new Map<string, PairState>();
  max = 0;

  add(w: WindowStats): TunnelCandidate[] {
    const touched = new Set<string>();
    for (const d of w.dns.names) {
      const { domain, sub } = splitName(d.name);
      if (!sub) continue;
      const key = `${d.client}|${domain}`;
      let p = this.pairs.get(key);
      if (!p || w.start - p.last > DNS_HORIZON_MS) {
        p = { names: new Map(), queries: 0, lengthSum: 0, entropySum: 0, since: w.start, last: w.start };
      }
      this.pairs.delete(key);
      this.pairs.set(key, p);
      p.last = w.start;
      p.queries += d.queries;
      if (!p.names.has(sub) && p.names.size < MAX_NAMES_PER_PAIR) {
        p.names.set(sub, w.start);
        p.lengthSum += sub.length;
        p.entropySum += shannonEntropy(sub.replace(/\./g, ''));
      }
      touched.add(key);
    }
    while (this.pairs.size > MAX_PAIRS) this.pairs.delete(this.pairs.keys().next().value!);
    const out: TunnelCandidate[] = [];
    for (const key of touched) {
      const p = this.pairs.get(key)!;
      this.expire(p, w.start);
      const n = p.names.size;
      if (n > this.max) this.max = n;
      const [client, domain] = key.split('|');
      out.push({ client: client!, domain: domain!, names: n, queries: p.queries, meanLength: n ? p.lengthSum / n : 0, meanEntropy: n ? p.entropySum / n : 0 });
    }
    return out;
  }

  private expire(p: PairState, now: number): void {
    if (now - p.since <= DNS_HORIZON_MS) return;
    for (const [name, at] of p.names) {
      if (now - at <= DNS_HORIZON_MS) break;
      p.names.delete(name);
      p.lengthSum -= name.length;
      p.entropySum -= shannonEntropy(name.replace(/\./g, ''));
    }
    p.since = now - DNS_HORIZON_MS;
  }
}

export class DnsTunnelDetector implements Detector {
  private readonly counter = new DnsNameCounter();
  constructor(private readonly limits: DetectorLimits) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    const floor = Math.max(MIN_TUNNEL_NAMES, Math.ceil(this.limits.dnsDistinctNamesMax * LIMIT_HEADROOM));
    for (const c of this.counter.add(ctx.w)) {
      if (c.names < MIN_TUNNEL_NAMES) continue;
      const random = c.meanLength >= MIN_TUNNEL_LABEL_LENGTH && c.meanEntropy >= MIN_TUNNEL_ENTROPY;
      // long but not random-looking names (reversed-IP blocklist lookups) need far more volume
      if (!random && (c.names < 2 * floor || c.meanLength < MIN_TUNNEL_LABEL_LENGTH)) continue;
      const strength = (c.names / MIN_TUNNEL_NAMES) * (c.meanLength / MIN_TUNNEL_LABEL_LENGTH);
      out.push({
        kind: 'dns-tunnel',
        key: `dns-tunnel|${c.client}|${c.domain}`,
        subject: { localHost: c.client, domain: c.domain },
        strength: Math.max(1, strength),
        score: round(strength),
        observed: { feature: 'dns.distinctNames', value: c.names, unit: `names in ${DNS_HORIZON_MS / 1000} s` },
        expected: { low: 0, high: this.limits.dnsDistinctNamesMax, median: 0 },
        contributions: contributionsFrom([
          { feature: 'dns.distinctNames', observed: c.names, expected: this.limits.dnsDistinctNamesMax, excess: c.names / MIN_TUNNEL_NAMES },
          { feature: 'dns.subdomainLength', observed: c.meanLength, expected: MIN_TUNNEL_LABEL_LENGTH, excess: c.meanLength / MIN_TUNNEL_LABEL_LENGTH },
          { feature: 'dns.subdomainEntropy', observed: c.meanEntropy, expected: MIN_TUNNEL_ENTROPY, excess: c.meanEntropy / MIN_TUNNEL_ENTROPY },
        ]),
        maturity: 1,
        summary: `${c.client} asked ${c.names} distinct names under ${c.domain} in ${DNS_HORIZON_MS / 1000} s (mean ${c.meanLength.toFixed(0)} chars, ${c.meanEntropy.toFixed(1)} bits/char) — possible DNS tunnel`,
        holdMs: 10_000,
      });
    }
  }
}
