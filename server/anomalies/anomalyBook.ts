// The server's working set of anomalies: the latest version of each incident with the analyst's
// status, bounded (oldest incidents are forgotten first; the store keeps them).
import type { Anomaly } from '../../model/index.ts';
import type { AnomalyView } from '../protocol.ts';

export class AnomalyBook {
  private readonly byId = new Map<string, AnomalyView>();

  constructor(private readonly capacity = 20_000) {}

  get(id: string): AnomalyView | undefined {
    return this.byId.get(id);
  }

  /**
   * Takes a new anomaly or an update of an incident from the detector. The detector always says
   * `open`; the analyst's status and assignment from an earlier version are kept.
   */
  upsert(incoming: Anomaly, suppressedBy?: string): { view: AnomalyView; previous?: AnomalyView } {
    const previous = this.byId.get(incoming.id);
    const view: AnomalyView = { ...incoming };
    if (previous) {
      view.status = previous.status;
      if (previous.assignee !== undefined) view.assignee = previous.assignee;
      if (previous.suppressedBy !== undefined) view.suppressedBy = previous.suppressedBy;
      this.byId.delete(incoming.id);
    }
    if (suppressedBy !== undefined && view.suppressedBy === undefined) view.suppressedBy = suppressedBy;
    this.byId.set(incoming.id, view);
    if (this.byId.size > this.capacity) {
      const oldest = this.byId.keys().next().value as string;
      this.byId.delete(oldest);
    }
    return { view, previous };
  }

  /** Replaces the stored view after an analyst action (keeps insertion order). */
  update(view: AnomalyView): void {
    this.byId.set(view.id, view);
  }

  /** Learns an anomaly read back from the store without replacing a newer in-memory version. */
  remember(view: AnomalyView): AnomalyView {
    const held = this.byId.get(view.id);
    if (held) return held;
    this.upsert(view);
    return this.byId.get(view.id)!;
  }

  all(): AnomalyView[] {
    return [...this.byId.values()];
  }
}
