// What an alert says, for the webhook body and the syslog message.
import type { AnomalyView } from '../protocol.ts';

export interface AlertPayload {
  type: 'spanwatch.anomaly';
  /** `new` for a first alert of an incident, `escalated` when its level rose */
  reason: 'new' | 'escalated';
  anomaly: AnomalyView;
}

/** Control characters (C0, DEL, C1) become \uXXXX so packet-derived text cannot forge lines or fields. */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
