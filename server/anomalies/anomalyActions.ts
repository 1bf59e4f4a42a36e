// Analyst actions on an anomaly: state machine, write-back to the store, audit entry, broadcast.
import type { AuditLog } from '../audit/auditLog.ts';
import type { AnomalyWriter } from '../ports.ts';
import type { AnalystAction, AnomalyView } from '../protocol.ts';
import { LIVE_CHANNEL, type StreamHub } from '../stream/streamHub.ts';
import type { AnomalyBook } from './anomalyBook.ts';
import { applyAction } from './statusMachine.ts';

export interface ActionRequest {
  action: AnalystAction;
  note?: string;
  assignee?: string;
}

export type ActionOutcome =
  | { ok: true; anomaly: AnomalyView }
  | { ok: false; status: 400 | 409; message: string };

export class AnomalyActions {
  private serial: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly book: AnomalyBook,
    private readonly audit: AuditLog,
    private readonly hub: StreamHub,
    private readonly writer: AnomalyWriter | null,
    private readonly onWriteError: (message: string) => void,
  ) {}

  /** Applies one action; actions are serialized so two analysts cannot race one transition. */
  act(current: AnomalyView, user: string, req: ActionRequest): Promise<ActionOutcome> {
    const run = this.serial.then(() => this.apply(current.id, current, user, req));
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async apply(id: string, fallback: AnomalyView, user: string, req: ActionRequest): Promise<ActionOutcome> {
    const anomaly = this.book.get(id) ?? this.book.remember(fallback);
    if (req.action === 'assign' && !req.assignee) return { ok: false, status: 400, message: 'assign needs an assignee' };
    if (req.action === 'comment' && !req.note) return { ok: false, status: 400, message: 'comment needs a note' };
    const t = applyAction(anomaly.status, req.action);
    if (!t.ok) return { ok: false, status: 409, message: t.message };
    const from = anomaly.status;
    const next: AnomalyView = { ...anomaly, status: t.status };
    if (req.action === 'assign') next.assignee = req.assignee;
    await this.audit.append({
      user, action: `anomaly.${req.action}`, target: `anomaly:${id}`,
      details: { from, to: t.status, ...(req.note ? { note: req.note } : {}), ...(req.assignee ? { assignee: req.assignee } : {}) },
    });
    this.book.update(next);
    if (this.writer && t.status !== from) {
      this.writer.writeAnomaly(next).catch((err: unknown) => this.onWriteError(`writing anomaly ${id} status to the store failed: ${(err as Error).message}`));
    }
    this.hub.publish({
      type: 'anomaly-status', channel: LIVE_CHANNEL, anomalyId: id, status: t.status, user, action: req.action,
      ...(req.note ? { note: req.note } : {}), ...(req.assignee ? { assignee: req.assignee } : {}), at: Date.now(),
    });
    return { ok: true, anomaly: next };
  }
}
