// Incidents as the API shows them, built from the findings at hand (memory and store) grouped by
// the incident each belongs to; severity from model/severity.ts.
import { incidentSeverity, type AnomalyKind } from '../../model/index.ts';
import type { AnomalyView, IncidentView } from '../protocol.ts';
import type { IncidentRecord } from './incidentBook.ts';

const mostSevereFirst = (a: AnomalyView, b: AnomalyView): number => b.severity - a.severity || a.start - b.start || (a.id < b.id ? -1 : 1);

/** The findings of each incident, by incident id (a finding without one stands alone, under its own id). */
export function groupByIncident(findings: readonly AnomalyView[]): Map<string, AnomalyView[]> {
  const groups = new Map<string, AnomalyView[]>();
  for (const a of findings) {
    const key = a.incidentId ?? a.id;
    const list = groups.get(key);
    if (list) list.push(a);
    else groups.set(key, [a]);
  }
  return groups;
}

/** One view per incident of findings grouped by groupByIncident. */
export function incidentViews(groups: ReadonlyMap<string, readonly AnomalyView[]>, recordOf: (id: string) => IncidentRecord | undefined): IncidentView[] {
  return [...groups.entries()].map(([id, list]) => incidentView(id, list, recordOf(id)));
}

export function incidentView(id: string, findings: readonly AnomalyView[], record?: IncidentRecord): IncidentView {
  const sorted = [...findings].sort(mostSevereFirst);
  const headline = sorted[0]!;
  const kinds: AnomalyKind[] = [];
  const hosts = new Set<string>();
  const remotes = new Set<string>();
  const domains = new Set<string>();
  for (const a of sorted) {
    if (!kinds.includes(a.kind)) kinds.push(a.kind);
    if (a.subject.localHost) hosts.add(a.subject.localHost);
    if (a.subject.remote) remotes.add(a.subject.remote);
    if (a.subject.domain) domains.add(a.subject.domain);
  }
  const { severity, level } = incidentSeverity(sorted);
  const view: IncidentView = {
    id, sensor: headline.sensor, status: record?.status ?? headline.status,
    start: Math.min(...sorted.map((a) => a.start)), end: Math.max(...sorted.map((a) => a.end)),
    ongoing: sorted.some((a) => a.ongoing), severity, level, kinds,
    hosts: [...hosts], remotes: [...remotes], domains: [...domains], headline,
    findings: Math.max(sorted.length, record?.anomalyIds.length ?? 0),
    detectedAt: Math.min(...sorted.map((a) => a.detectedAt)),
  };
  const assignee = record?.assignee ?? headline.assignee;
  if (assignee !== undefined) view.assignee = assignee;
  return view;
}
