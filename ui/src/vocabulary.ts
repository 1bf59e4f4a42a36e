// The value lists the filters and buttons offer. Copied rather than imported so the bundle never
// pulls in model/ or server/ code; a unit test keeps them equal to the contracts.
import type { AnalystAction, AnomalyKind, AnomalyStatus, Role, SeverityLevel } from './types.ts';

export const LEVELS: readonly SeverityLevel[] = ['info', 'low', 'medium', 'high', 'critical'];
export const STATUSES: readonly AnomalyStatus[] = ['open', 'acknowledged', 'escalated', 'false-positive', 'resolved'];
export const KINDS: readonly AnomalyKind[] = [
  'outbound-spike', 'deviation', 'scan', 'error-surge', 'host-silent', 'new-destination',
  'dns-tunnel', 'beaconing', 'threat-intel', 'host-deviation',
];
export const ACTIONS: readonly AnalystAction[] = [
  'acknowledge', 'escalate', 'false-positive', 'resolve', 'comment', 'assign',
];

export const ACTION_LABEL: Record<AnalystAction, string> = {
  acknowledge: 'Acknowledge',
  escalate: 'Escalate',
  'false-positive': 'False positive',
  resolve: 'Resolve',
  comment: 'Comment',
  assign: 'Assign',
};

/** Which actions a role may take (the server enforces the same rule). */
export function actionsFor(role: Role): readonly AnalystAction[] {
  return role === 'viewer' ? [] : ACTIONS;
}

export function canAdminister(role: Role): boolean {
  return role === 'admin';
}
