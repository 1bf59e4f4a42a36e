// The Anomaly record: what the model flags, with its evidence. Documented in the README
// ("Records: Anomaly"); any change to its shape bumps ANOMALY_VERSION.
import type { AttackTechnique } from './attackTechniques.ts';

export const ANOMALY_VERSION = 1;

export type AnomalyKind =
  | 'outbound-spike'
  | 'deviation'
  | 'scan'
  | 'error-surge'
  | 'host-silent'
  | 'new-destination'
  | 'dns-tunnel'
  | 'beaconing'
  | 'threat-intel'
  | 'host-deviation';
export const ANOMALY_KINDS: readonly AnomalyKind[] = [
  'outbound-spike', 'deviation', 'scan', 'error-surge', 'host-silent', 'new-destination',
  'dns-tunnel', 'beaconing', 'threat-intel', 'host-deviation',
];

export type SeverityLevel = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITY_LEVELS: readonly SeverityLevel[] = ['info', 'low', 'medium', 'high', 'critical'];

export type AnomalyStatus = 'open' | 'acknowledged' | 'escalated' | 'false-positive' | 'resolved';
export const ANOMALY_STATUSES: readonly AnomalyStatus[] = [
  'open', 'acknowledged', 'escalated', 'false-positive', 'resolved',
];

/** One feature's part in the score. */
export interface Contribution {
  feature: string;
  observed: number;
  expected: number;
  /** share of the score, 0 … 1; shares of one anomaly sum to ≤ 1 */
  share: number;
}

export interface AnomalySubject {
  /** the local host that stands out (untrusted text when it came from packets) */
  localHost?: string;
  remote?: string;
  port?: number;
  /** a DNS domain, for dns-tunnel and threat-intel (untrusted text) */
  domain?: string;
  /** the name DNS answers on the wire gave `remote` (passive DNS; untrusted text) */
  remoteName?: string;
  /** the asset name the criticality file gives `localHost` (filled in by the server) */
  localName?: string;
  /** scan: the hosts a horizontal scan reached, most recent first (at most 20) */
  targets?: string[];
  /** scan: the ports a vertical scan opened, most recent first (at most 20) */
  ports?: number[];
}

export interface Anomaly {
  version: typeof ANOMALY_VERSION;
  /** stable for the whole incident: later windows of the same incident update the same id */
  id: string;
  sensor: string;
  kind: AnomalyKind;
  /** incident start: start of its first window, ms since the epoch (event time) */
  start: number;
  /** incident end: end of its last window so far */
  end: number;
  /** start of the window with the highest score */
  peakAt: number;
  /** windows merged into this incident */
  windows: number;
  /** true while the incident is still growing */
  ongoing: boolean;
  /** wall-clock ms when first detected */
  detectedAt: number;
  subject: AnomalySubject;
  /** the headline feature: what was observed against what was expected at this time */
  observed: { feature: string; value: number; unit: string };
  expected: { low: number; high: number; median: number };
  contributions: Contribution[];
  /** raw detector score (≥ 0; detector-specific scale, comparable within a kind) */
  score: number;
  /** 0 … 100 */
  severity: number;
  level: SeverityLevel;
  /** 0 … 1: how well the baseline slot behind `expected` is backed by observations */
  maturity: number;
  /** the window(s) had capture loss; severity was demoted */
  captureLoss: boolean;
  /** one sentence a person can read */
  summary: string;
  modelVersion: string;
  status: AnomalyStatus;
  /** MITRE ATT&CK techniques this kind of finding is evidence of (model/attackTechniques.ts); absent on records from before the mapping */
  attack?: AttackTechnique[];
}
