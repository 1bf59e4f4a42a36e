// The messages the hub assigns ids to, before they get one.
import type {
  AnomalyMessage, AnomalyStatusMessage, HealthMessage, TrainingMessage, WindowMessage,
} from '../protocol.ts';

export type StreamMessage = WindowMessage | AnomalyMessage | AnomalyStatusMessage | HealthMessage | TrainingMessage;

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type UnnumberedMessage = WithoutId<StreamMessage>;

/** A published message with its JSON text, serialized once for every client. */
export interface NumberedMessage {
  readonly message: StreamMessage;
  readonly text: string;
}

/** Anomalies and their status changes must reach every client: they are never dropped silently. */
export function isCritical(message: StreamMessage): boolean {
  return message.type === 'anomaly' || message.type === 'anomaly-status';
}
