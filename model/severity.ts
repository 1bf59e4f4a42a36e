// Severity 0–100 and its level, from how far past its threshold a detector went, how long the
// incident lasted, how well the baseline behind it is backed, the asset's criticality and
// whether the capture was losing packets at the time.
import type { AnomalyKind, SeverityLevel } from './anomaly.ts';
import type { Criticality } from './criticality.ts';

/** Where each kind starts when it is just past its threshold. */
export const KIND_BASE: Record<AnomalyKind, number> = {
  'outbound-spike': 45,
  deviation: 25,
  scan: 45,
  'error-surge': 30,
  'host-silent': 35,
  'new-destination': 40,
  'dns-tunnel': 55,
  beaconing: 50,
  'threat-intel': 65,
  'host-deviation': 35,
};

const CRITICALITY_BONUS: Record<Criticality, number> = { low: -5, medium: 5, high: 15, critical: 25 };
/** Severity kept when the window(s) had capture loss: the evidence may be incomplete. */
export const CAPTURE_LOSS_FACTOR = 0.7;

export interface SeverityInput {
  kind: AnomalyKind;
  strength: number;
  windows: number;
  /** 0 … 1 */
  maturity: number;
  criticality: Criticality | null;
  captureLoss: boolean;
}

export function severityOf(i: SeverityInput): { severity: number; level: SeverityLevel } {
  let s = KIND_BASE[i.kind] + 18 * Math.log2(Math.max(1, i.strength)) + Math.min(15, 5 * Math.log2(Math.max(1, i.windows)));
  s *= 0.5 + 0.5 * Math.max(0, Math.min(1, i.maturity));
  if (i.criticality) s += CRITICALITY_BONUS[i.criticality];
  if (i.captureLoss) s *= CAPTURE_LOSS_FACTOR;
  const severity = Math.round(Math.max(0, Math.min(100, s)));
  return { severity, level: levelOf(severity) };
}

export function levelOf(severity: number): SeverityLevel {
  if (severity >= 80) return 'critical';
  if (severity >= 60) return 'high';
  if (severity >= 40) return 'medium';
  if (severity >= 20) return 'low';
  return 'info';
}
