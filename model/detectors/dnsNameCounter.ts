// Distinct names per (client, registered domain) over sliding horizons from half a minute to an
// hour: a fast tunnel shows within seconds, a low-and-slow one (a query every few seconds) only
// over many minutes. A name counts once per pair while it is remembered (an hour); the shape of
// the new names (length and entropy of the part below the domain) is kept as a running mean.
import type { DnsName } from '../../capture/index.ts';
import { shannonEntropy, splitName } from '../domainNames.ts';

/** Sliding horizons, shortest first. */
export const DNS_HORIZONS_MS = [30_000, 600_000, 3_600_000] as const;
export const DNS_HORIZON_LABELS = ['30 s', '10 min', '1 h'] as const;
const MEMORY_MS = DNS_HORIZONS_MS[DNS_HORIZONS_MS.length - 1];
/** beyond this many remembered names a pair forgets its oldest (counts stay far above any limit) */
const MAX_NAMES_PER_PAIR = 4_096;
const MAX_PAIRS = 20_000;
/** weight of a new name in the running means of its shape (about the last 30 names) */
const SHAPE_WEIGHT = 1 / 30;

interface PairState {
  client: string;
  domain: string;
  /** sub-name → last time asked (Map order = last-asked order) */
  names: Map<string, number>;
  /** times at which names new to the pair were first asked, ascending, from `head` on */
  arrivals: number[];
  head: number;
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
  private readonly pairs = new Map<string, PairState>();
  private readonly touched = new Set<PairState>();

  /**
   * Counts the window's (client-attributed) names; returns the pairs that got a new name in it, as
   * of `now` (a horizon shorter than the window is the window: names carry no time of their own).
   */
  add(names: readonly DnsName[], now: number, windowMs: number): DomainCandidate[] {
    this.touched.clear();
    for (const d of names) {
      if (d.queries === 0) continue;
      const { domain, sub } = splitName(d.name);
      if (!sub) continue;
      const key = `${d.client}|${domain}`;
      let p = this.pairs.get(key);
      if (p) this.pairs.delete(key);
      else p = { client: d.client, domain, names: new Map(), arrivals: [], head: 0, meanLength: 0, meanEntropy: 0, shapeSamples: 0 };
      this.pairs.set(key, p);
      const seen = p.names.get(sub);
      if (seen !== undefined && now - seen <= MEMORY_MS) {
        p.names.delete(sub);
        p.names.set(sub, now);
        continue;
      }
      this.touched.add(p);
      p.names.delete(sub);
      p.names.set(sub, now);
      if (p.names.size > MAX_NAMES_PER_PAIR) p.names.delete(p.names.keys().next().value!);
      p.arrivals.push(now);
      const wgt = Math.max(SHAPE_WEIGHT, 1 / ++p.shapeSamples);
      p.meanLength += wgt * (sub.length - p.meanLength);
      p.meanEntropy += wgt * (shannonEntropy(sub.replace(/\./g, '')) - p.meanEntropy);
    }
    while (this.pairs.size > MAX_PAIRS) this.pairs.delete(this.pairs.keys().next().value!);
    const out: DomainCandidate[] = [];
    for (const p of this.touched) {
      forget(p, now);
      out.push({ client: p.client, domain: p.domain, counts: DNS_HORIZONS_MS.map((h) => countSince(p, now - Math.max(h, windowMs))), meanLength: p.meanLength, meanEntropy: p.meanEntropy });
    }
    return out;
  }
}

function forget(p: PairState, now: number): void {
  const a = p.arrivals;
  while (p.head < a.length && a[p.head]! < now - MEMORY_MS) p.head++;
  // more remembered arrivals than names (the name cap) add nothing but memory
  if (a.length - p.head > MAX_NAMES_PER_PAIR) p.head = a.length - MAX_NAMES_PER_PAIR;
  if (p.head > 1024 && p.head * 2 > a.length) {
    p.arrivals = a.slice(p.head);
    p.head = 0;
  }
  for (const [name, at] of p.names) {
    if (now - at <= MEMORY_MS) break;
    p.names.delete(name);
  }
}

/** Arrivals at or after `from` (binary search over the ascending tail). */
function countSince(p: PairState, from: number): number {
  const a = p.arrivals;
  let lo = p.head;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return a.length - lo;
}
