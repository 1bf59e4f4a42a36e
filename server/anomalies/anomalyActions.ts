// Analyst actions on an incident (reached through any of its findings): state machine, the
// incident book (persisted), write-back of its findings to the store, audit entry, broadcast.
// Status changes the server makes itself (a resolved incident that recurs) are audited the same way.
import type { AnomalyStatus } from '../../model/index.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import type { AnomalyWriter } from '../ports.ts';
import type { AnalystAction, AnomalyView } from '../protocol.ts';
import { LIVE_CHANNEL, type StreamHub } from '../stream/streamHub.ts';
import type { AnomalyBook } from './anomalyBook.ts';
import type { IncidentRecord } from './incidentBook.ts';
import { applyAction } from './statusMachine.ts';

/** the audit user of status changes the server makes on its own */
export const SYSTEM_USER = 'system';

export interface ActionRequest {
  action: AnalystAction;
  note?: string;
  assignee?: string;
}

export type ActionOutcome =
  | { ok: true; anomaly: AnomalyView; incident: IncidentRecord }
  | { ok: false; status: 400 | 404 | 409; message: string };

export class AnomalyActions {
  private serial: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly book: AnomalyBook,
    private readonly audit: AuditLog,
    private readonly hub: StreamHub,
    private readonly writer: AnomalyWriter | null,
    private readonly onWriteError: (message: string) => void,
  ) {}

  /** Applies one action to the finding's incident; actions are serialized so two analysts cannot race one transition. */
  act(current: AnomalyView, user: string, req: ActionRequest): Promise<ActionOutcome> {
    const run = this.serial.then(() => this.apply(current, user, req));
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async apply(fallback: AnomalyView, user: string, req: ActionRequest): Promise<ActionOutcome> {
    const anomaly = this.book.get(fallback.id) ?? this.book.remember(fallback);
    const incident = this.book.incidents.of(anomaly.id);
    if (!incident) return { ok: false, status: 404, message: `anomaly ${anomaly.id} belongs to no incident the server knows; reload the feed` };
    if (req.action === 'assign' && !req.assignee) return { ok: false, status: 400, message: 'assign needs an assignee' };
    if (req.action === 'comment' && !req.note) return { ok: false, status: 400, message: 'comment needs a note' };
    const t = applyAction(incident.status, req.action);
    if (!t.ok) return { ok: false, status: 409, message: t.message };
    const from = incident.status;
    await this.audit.append({
      user, action: `incident.${req.action}`, target: `incident:${incident.id}`,
      details: { from, to: t.status, anomaly: anomaly.id, ...(req.note ? { note: req.note } : {}), ...(req.assignee ? { assignee: req.assignee } : {}) },
    });
    this.book.incidents.setStatus(incident.id, t.status, req.action === 'assign' ? req.assignee : undefined);
    const views = this.book.refresh(incident);
    if (t.status !== from) this.writeBack(views);
    this.announce(incident, user, req.action, req.note, req.assignee);
    return { ok: true, anomaly: this.book.get(anomaly.id)!, incident };
  }

  /** Audits and announces a status the server changed on its own (a resolved incident that recurs). */
  async reopened(incident: IncidentRecord, from: AnomalyStatus, byAnomaly: string): Promise<void> {
    await this.audit.append({
      user: SYSTEM_USER, action: 'incident.reopen', target: `incident:${incident.id}`,
      details: { from, to: incident.status, anomaly: byAnomaly, reason: 'a new finding joined the resolved incident' },
    });
    this.writeBack(this.book.refresh(incident));
    this.announce(incident, SYSTEM_USER, 'reopen');
  }

  private writeBack(views: AnomalyView[]): void {
    if (!this.writer) return;
    for (const v of views) {
      this.writer.writeAnomaly(v).catch((err: unknown) => this.onWriteError(`writing anomaly ${v.id} status to the store failed: ${(err as Error).message}`));
    }
  }

  /** one status message per finding of the incident, so every view of any of them updates */
  private announce(incident: IncidentRecord, user: string, action: AnalystAction | 'reopen', note?: string, assignee?: string): void {
    for (const anomalyId of incident.anomalyIds) {
      this.hub.publish({
        type: 'anomaly-status', channel: LIVE_CHANNEL, anomalyId, incidentId: incident.id, status: incident.status, user, action,
        ...(note ? { note } : {}), ...(assignee ? { assignee } : {}), at: Date.now(),
      });
    }
  }
}
