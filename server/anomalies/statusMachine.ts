// The analyst workflow: open → acknowledged → escalated / false-positive / resolved.
import type { AnomalyStatus } from '../../model/index.ts';
import type { AnalystAction } from '../protocol.ts';

/** The status each status-changing action leads to, and the statuses it may start from. */
const TRANSITIONS: Partial<Record<AnalystAction, { to: AnomalyStatus; from: readonly AnomalyStatus[] }>> = {
  acknowledge: { to: 'acknowledged', from: ['open'] },
  escalate: { to: 'escalated', from: ['acknowledged'] },
  'false-positive': { to: 'false-positive', from: ['acknowledged', 'escalated'] },
  resolve: { to: 'resolved', from: ['acknowledged', 'escalated'] },
};

export type TransitionResult = { ok: true; status: AnomalyStatus } | { ok: false; message: string };

/** comment and assign keep the status; the others must follow the workflow. */
export function applyAction(current: AnomalyStatus, action: AnalystAction): TransitionResult {
  const t = TRANSITIONS[action];
  if (!t) return { ok: true, status: current };
  if (t.from.includes(current)) return { ok: true, status: t.to };
  const hint = current === 'open'
    ? 'acknowledge it first'
    : current === 'resolved' || current === 'false-positive'
      ? `it is closed (${current})`
      : `allowed from: ${t.from.join(', ')}`;
  return { ok: false, message: `cannot ${action} an anomaly that is ${current}: ${hint}` };
}
