// What an alert says, for the webhook body and the syslog message.
import { attackTechniques, type AttackTechnique } from '../../model/index.ts';
import type { AnomalyView } from '../protocol.ts';

export interface AlertPayload {
  type: 'spanwatch.anomaly';
  /** `new` for a first alert of an incident, `escalated` when its level rose */
  reason: 'new' | 'escalated';
  anomaly: AnomalyView;
  /** MITRE ATT&CK techniques of the finding (also on `anomaly.attack`; derived here for records from older sensors) */
  attack: AttackTechnique[];
}

export function alertPayload(reason: AlertPayload['reason'], anomaly: AnomalyView): AlertPayload {
  return { type: 'spanwatch.anomaly', reason, anomaly, attack: anomaly.attack ?? attackTechniques(anomaly) };
}

/** Control characters (C0, DEL, C1) become \uXXXX so packet-derived text cannot forge lines or fields. */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
