// The server's working set of anomalies: the latest version of each finding, bounded (oldest are
// forgotten first; the store keeps them). Every view carries the incident it belongs to and that
// incident's analyst status and assignee, from the IncidentBook — never the detector's `open`.
import type { Anomaly, AnomalyStatus } from '../../model/index.ts';
import type { AnomalyView } from '../protocol.ts';
import type { IncidentBook, IncidentRecord } from './incidentBook.ts';

export interface Upserted {
  view: AnomalyView;
  previous?: AnomalyView;
  /** set when this finding reopened a resolved incident */
  reopened?: { incident: IncidentRecord; from: AnomalyStatus };
}

export class AnomalyBook {
  private readonly byId = new Map<string, AnomalyView>();

  constructor(readonly incidents: IncidentBook, private readonly capacity = 20_000) {}

  get(id: string): AnomalyView | undefined {
    return this.byId.get(id);
  }

  /** Takes a new finding or an update of one from the detector, placed in its incident. */
  upsert(incoming: Anomaly, suppressedBy?: string): Upserted {
    const previous = this.byId.get(incoming.id);
    const admission = this.incidents.admit(incoming);
    const view = withIncident({ ...incoming }, admission.record);
    if (previous?.suppressedBy !== undefined) view.suppressedBy = previous.suppressedBy;
    if (previous) this.byId.delete(incoming.id);
    if (suppressedBy !== undefined && view.suppressedBy === undefined) view.suppressedBy = suppressedBy;
    this.byId.set(incoming.id, view);
    if (this.byId.size > this.capacity) {
      const oldest = this.byId.keys().next().value as string;
      this.byId.delete(oldest);
    }
    if (admission.reopenedFrom === undefined) return { view, previous };
    this.refresh(admission.record);
    return { view, previous, reopened: { incident: admission.record, from: admission.reopenedFrom } };
  }

  /** Views of the incident's findings held in memory take its current status and assignee. */
  refresh(incident: IncidentRecord): AnomalyView[] {
    const out: AnomalyView[] = [];
    for (const id of incident.anomalyIds) {
      const held = this.byId.get(id);
      if (!held) continue;
      const next = withIncident({ ...held }, incident);
      this.byId.set(id, next);
      out.push(next);
    }
    return out;
  }

  /** Learns an anomaly read back from the store without replacing a newer in-memory version. */
  remember(stored: Anomaly): AnomalyView {
    const held = this.byId.get(stored.id);
    if (held) return held;
    this.upsert(stored);
    return this.byId.get(stored.id)!;
  }

  /** Anomalies read back from the store, placed in their incidents, with the incidents' status. */
  overlay(stored: readonly Anomaly[]): AnomalyView[] {
    this.incidents.admitAll(stored.filter((a) => !this.incidents.of(a.id)));
    return stored.map((a) => this.byId.get(a.id) ?? withIncident({ ...a }, this.incidents.of(a.id)!));
  }

  all(): AnomalyView[] {
    return [...this.byId.values()];
  }
}

function withIncident(view: AnomalyView, incident: IncidentRecord): AnomalyView {
  view.incidentId = incident.id;
  view.status = incident.status;
  if (incident.assignee !== undefined) view.assignee = incident.assignee;
  else delete view.assignee;
  return view;
}
