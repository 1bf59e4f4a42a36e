// The rule that makes one incident of related findings: a finding joins an incident of the same
// sensor when it shares an address or a domain with it (the local host, the remote, the queried
// domain of any finding already in it) and overlaps its time span, give or take a gap. Findings
// with no subject (a network-wide deviation) join each other the same way.
import type { Anomaly } from '../../model/index.ts';

/** findings this close in event time still belong to one event (a spike that ends, then a beacon) */
export const INCIDENT_GAP_MS = 5 * 60_000;

/** The keys a finding can be related by: its addresses and domain; the sensor when it has none. */
export function relationKeys(a: Pick<Anomaly, 'sensor' | 'subject'>): string[] {
  const keys: string[] = [];
  if (a.subject.localHost) keys.push(`ip:${a.subject.localHost}`);
  if (a.subject.remote) keys.push(`ip:${a.subject.remote}`);
  if (a.subject.domain) keys.push(`dns:${a.subject.domain.toLowerCase()}`);
  if (keys.length === 0) keys.push(`net:${a.sensor}`);
  return keys;
}

export interface GroupSpan {
  sensor: string;
  start: number;
  end: number;
  keys: readonly string[];
}

/** Whether finding `a` belongs to the incident spanning `g`. */
export function relatedTo(g: GroupSpan, a: Pick<Anomaly, 'sensor' | 'subject' | 'start' | 'end'>, gapMs = INCIDENT_GAP_MS): boolean {
  if (g.sensor !== a.sensor) return false;
  if (a.start > g.end + gapMs || a.end < g.start - gapMs) return false;
  const keys = relationKeys(a);
  return keys.some((k) => g.keys.includes(k));
}
