// Distinct names per (client, registered domain) over sliding horizons from half a minute to an
// hour: a fast tunnel shows within seconds, a low-and-slow one (a query every few seconds) only
// over many minutes. A name counts once per pair while it is remembered (an hour); the shape of
// the new names (length and entropy of the part below the domain) is kept as a running mean.
import type { DnsName } from '../../capture/index.ts';
import { shannonEntropy, splitName } from '../domainNames.ts';
import { NewItemCounter, emptyItems, type NewItems } from './slidingCounts.ts';

/** Sliding horizons, shortest first. */
export const DNS_HORIZONS_MS = [30_000, 600_000, 3_600_000] as const;
export const DNS_HORIZON_LABELS = ['30 s', '10 min', '1 h'] as const;
/** beyond this many remembered names a pair forgets its oldest (counts stay far above any limit) */
const MAX_NAMES_PER_PAIR = 4_096;
const MAX_PAIRS = 20_000;
/** weight of a new name in the running means of its shape (about the last 30 names) */
const SHAPE_WEIGHT = 1 / 30;

interface PairState extends NewItems<string> {
  client: string;
  domain: string;
  meanLength: number;
  meanEntropy: number;
  shapeSamples: number;
}

export interface DomainCandidate {
  client: string;
  domain: string;
  /** distinct new names per horizon (DNS_HORIZONS_MS order) */
  counts: number[];
  meanLength: number;
  meanEntropy: number;
}

export class DnsNameCounter {
  private readonly counter = new NewItemCounter<string, PairState>({ spaces: 1, horizonsMs: DNS_HORIZONS_MS, maxItemsPerGroup: MAX_NAMES_PER_PAIR, maxGroups: MAX_PAIRS });

  /**
   * Counts the window's (client-attributed) names; returns the pairs that got a new name in it, as
   * of `now` (a horizon shorter than the window is the window: names carry no time of their own).
   */
  add(names: readonly DnsName[], now: number, windowMs: number): DomainCandidate[] {
    this.counter.begin();
    for (const d of names) {
      if (d.queries === 0) continue;
      const { domain, sub } = splitName(d.name);
      if (!sub) continue;
      const p = this.counter.use(0, d.client, domain)
        ?? this.counter.add(0, d.client, domain, { client: d.client, domain, meanLength: 0, meanEntropy: 0, shapeSamples: 0, ...emptyItems<string>() });
      if (!this.counter.touch(p, sub, now)) continue;
      const wgt = Math.max(SHAPE_WEIGHT, 1 / ++p.shapeSamples);
      p.meanLength += wgt * (sub.length - p.meanLength);
      p.meanEntropy += wgt * (shannonEntropy(sub.replace(/\./g, '')) - p.meanEntropy);
    }
    const out: DomainCandidate[] = [];
    for (const p of this.counter.end(now)) {
      out.push({ client: p.client, domain: p.domain, counts: this.counter.counts(p, now, windowMs), meanLength: p.meanLength, meanEntropy: p.meanEntropy });
    }
    return out;
  }
}
