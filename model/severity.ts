// Severity 0–100 and its level, from what an analyst weighs: the harm the kind of finding implies,
// how far past its threshold the detector went (size), how long it lasted, how well the baseline
// behind it is backed (confidence), the asset's criticality and whether the capture was losing
// packets at the time. The terms are bounded so that no single one makes everything critical:
// without a critical asset or several corroborating findings, "critical" needs a large,
// long-lasting, well-backed finding of a harmful kind. docs/model.md ("Severity") gives the formula.
import type { AnomalyKind, SeverityLevel } from './anomaly.ts';
import type { Criticality } from './criticality.ts';

/** The harm a kind implies when it is just past its threshold. */
export const KIND_HARM: Record<AnomalyKind, number> = {
  'threat-intel': 66,
  'dns-tunnel': 38,
  beaconing: 32,
  'outbound-spike': 46,
  'new-destination': 26,
  scan: 28,
  'error-surge': 18,
  'host-silent': 20,
  deviation: 14,
  'host-deviation': 22,
};

/** size: points per doubling of the detector's strength (its value over its threshold), and the cap */
const SIZE_PER_DOUBLING = 8;
const SIZE_CAP = 40;
/** duration: points per tenfold of the windows the finding lasted, and the cap */
const DURATION_PER_DECADE = 4;
const DURATION_CAP = 10;
/** confidence: the share kept by a finding whose baseline is not backed at all (maturity 0) */
const UNBACKED_SHARE = 0.6;
const CRITICALITY_POINTS: Record<Criticality, number> = { low: -6, medium: 0, high: 10, critical: 20 };
/** Severity kept when the window(s) had capture loss: the evidence may be incomplete. */
export const CAPTURE_LOSS_FACTOR = 0.7;
/** an incident gains this much for each further kind of finding that corroborates it, up to the cap */
const CORROBORATION_PER_KIND = 5;
const CORROBORATION_CAP = 10;

export interface SeverityInput {
  kind: AnomalyKind;
  /** the detector's value over its threshold (≥ 1 once it fires) */
  strength: number;
  windows: number;
  /** 0 … 1 */
  maturity: number;
  criticality: Criticality | null;
  captureLoss: boolean;
}

export function severityOf(i: SeverityInput): { severity: number; level: SeverityLevel } {
  const size = Math.min(SIZE_CAP, SIZE_PER_DOUBLING * Math.log2(Math.max(1, i.strength)));
  const duration = Math.min(DURATION_CAP, DURATION_PER_DECADE * Math.log10(Math.max(1, i.windows)));
  const confidence = UNBACKED_SHARE + (1 - UNBACKED_SHARE) * Math.max(0, Math.min(1, i.maturity));
  let s = (KIND_HARM[i.kind] + size + duration) * confidence;
  if (i.criticality) s += CRITICALITY_POINTS[i.criticality];
  if (i.captureLoss) s *= CAPTURE_LOSS_FACTOR;
  return bounded(s);
}

/**
 * An incident's severity: its most severe finding, raised when findings of other kinds
 * corroborate it (a spike, a new destination and a beacon of one host are more certainly an
 * event than any of them alone).
 */
export function incidentSeverity(findings: ReadonlyArray<{ kind: AnomalyKind; severity: number }>): { severity: number; level: SeverityLevel } {
  if (findings.length === 0) return { severity: 0, level: 'info' };
  const top = Math.max(...findings.map((f) => f.severity));
  const kinds = new Set(findings.map((f) => f.kind)).size;
  return bounded(top + Math.min(CORROBORATION_CAP, CORROBORATION_PER_KIND * (kinds - 1)));
}

function bounded(s: number): { severity: number; level: SeverityLevel } {
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
