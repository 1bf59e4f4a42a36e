// Analysts' verdicts as data. A false positive becomes a scoped rule (host, remote, prefix, domain,
// kind; with an expiry and a reason): the server marks matching anomalies suppressed at once, and
// training records the accepted rules in the model so that detection drops what they cover. A
// confirmed incident (escalated, or resolved as a true positive) is never learned as normal:
// training leaves its time range out.
import type { Anomaly, AnomalyKind, AnomalyStatus } from './anomaly.ts';
import { ipToBigInt, parsePrefix, prefixContains, type IpPrefix } from './ipPrefix.ts';
import type { TimeRange } from './trainingSet.ts';

/** Every given field must match; at least one is given. */
export interface RuleScope {
  /** the anomaly's local host */
  host?: string;
  /** the anomaly's remote endpoint */
  remote?: string;
  /** a CIDR that holds the anomaly's remote or its local host */
  prefix?: string;
  /** the anomaly's domain or a name under it (`example.com` covers `a.b.example.com`) */
  domain?: string;
  kind?: AnomalyKind;
}

export interface AnalystRule {
  id: string;
  scope: RuleScope;
  reason: string;
  /** ms since the epoch (wall clock); the rule stops matching after it */
  expiresAt: number;
  createdBy: string;
  createdAt: number;
  /** the anomaly whose false-positive verdict proposed it */
  anomalyId?: string;
}

const prefixCache = new Map<string, IpPrefix | null>();

function cachedPrefix(text: string): IpPrefix | null {
  let p = prefixCache.get(text);
  if (p === undefined) {
    p = parsePrefix(text);
    if (prefixCache.size > 10_000) prefixCache.clear();
    prefixCache.set(text, p);
  }
  return p;
}

/** A CIDR (or a single address) that parsePrefix accepts; used to validate input. */
export function isPrefix(text: string): boolean {
  return text.includes('/') && cachedPrefix(text) !== null;
}

function inPrefix(prefix: string, address: string | undefined): boolean {
  if (address === undefined) return false;
  const p = cachedPrefix(prefix);
  const ip = ipToBigInt(address);
  return p !== null && ip !== null && prefixContains(p, ip);
}

function underDomain(domain: string, name: string | undefined): boolean {
  if (name === undefined) return false;
  const n = name.toLowerCase().replace(/\.$/, '');
  const d = domain.toLowerCase().replace(/^\.|\.$/g, '');
  return n === d || n.endsWith(`.${d}`);
}

export function scopeMatches(scope: RuleScope, a: Pick<Anomaly, 'kind' | 'subject'>): boolean {
  if (scope.kind !== undefined && scope.kind !== a.kind) return false;
  if (scope.host !== undefined && scope.host !== a.subject.localHost) return false;
  if (scope.remote !== undefined && scope.remote !== a.subject.remote) return false;
  if (scope.prefix !== undefined && !inPrefix(scope.prefix, a.subject.remote) && !inPrefix(scope.prefix, a.subject.localHost)) return false;
  if (scope.domain !== undefined && !underDomain(scope.domain, a.subject.domain)) return false;
  return true;
}

/** The first rule not expired at `now` whose scope matches, or null. */
export function matchingRule<R extends AnalystRule>(rules: readonly R[], a: Pick<Anomaly, 'kind' | 'subject'>, now: number): R | null {
  for (const r of rules) if (r.expiresAt > now && scopeMatches(r.scope, a)) return r;
  return null;
}

/** Statuses that confirm an incident: escalated, or resolved (closed as real; false-positive is its own status). */
export const CONFIRMED_STATUSES: readonly AnomalyStatus[] = ['escalated', 'resolved'];

export function isConfirmed(a: { status?: AnomalyStatus }): boolean {
  return a.status !== undefined && CONFIRMED_STATUSES.includes(a.status);
}

/**
 * The time ranges of the confirmed incidents among `anomalies` that overlap [from, to), merged
 * where they touch: the windows training must leave out.
 */
export function confirmedRanges(anomalies: Iterable<Anomaly & { status?: AnomalyStatus }>, from = -Infinity, to = Infinity): TimeRange[] {
  const ranges = [...anomalies]
    .filter((a) => isConfirmed(a) && a.end > from && a.start < to)
    .map((a) => ({ start: a.start, end: a.end }))
    .sort((x, y) => x.start - y.start);
  const merged: TimeRange[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  return merged;
}
