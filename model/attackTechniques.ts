// MITRE ATT&CK techniques an anomaly kind is evidence of. The table claims only what the traffic
// itself shows: a kind whose causes are mostly benign or invisible on the wire (a host going silent,
// a generic deviation) maps to nothing rather than to a guess. Documented in docs/model.md.
import type { Anomaly, AnomalyKind } from './anomaly.ts';

export interface AttackTechnique {
  /** technique or sub-technique id, e.g. T1071.004 */
  id: string;
  name: string;
  /** the ATT&CK tactic the technique serves here */
  tactic: string;
}

const T = {
  networkServiceDiscovery: { id: 'T1046', name: 'Network Service Discovery', tactic: 'Discovery' },
  exfilOverC2: { id: 'T1041', name: 'Exfiltration Over C2 Channel', tactic: 'Exfiltration' },
  exfilOverAlternativeProtocol: { id: 'T1048', name: 'Exfiltration Over Alternative Protocol', tactic: 'Exfiltration' },
  exfilOverWebService: { id: 'T1567', name: 'Exfiltration Over Web Service', tactic: 'Exfiltration' },
  applicationLayerProtocol: { id: 'T1071', name: 'Application Layer Protocol', tactic: 'Command and Control' },
  dnsProtocol: { id: 'T1071.004', name: 'Application Layer Protocol: DNS', tactic: 'Command and Control' },
  encryptedChannel: { id: 'T1573', name: 'Encrypted Channel', tactic: 'Command and Control' },
  domainGeneration: { id: 'T1568.002', name: 'Dynamic Resolution: Domain Generation Algorithms', tactic: 'Command and Control' },
} as const satisfies Record<string, AttackTechnique>;

/** Server ports whose traffic is TLS: a beacon on one of them is an encrypted channel. */
const TLS_PORTS = new Set([443, 8443, 993, 995, 465, 636, 853]);

type AnomalyFacts = Pick<Anomaly, 'kind' | 'observed' | 'subject'>;

const BY_KIND: Record<AnomalyKind, (a: AnomalyFacts) => AttackTechnique[]> = {
  'outbound-spike': () => [T.exfilOverC2, T.exfilOverAlternativeProtocol, T.exfilOverWebService],
  'new-destination': () => [T.exfilOverC2, T.exfilOverAlternativeProtocol, T.exfilOverWebService],
  scan: () => [T.networkServiceDiscovery],
  'dns-tunnel': () => [T.dnsProtocol, T.exfilOverAlternativeProtocol],
  beaconing: (a) => (a.subject.port !== undefined && TLS_PORTS.has(a.subject.port)
    ? [T.applicationLayerProtocol, T.encryptedChannel]
    : [T.applicationLayerProtocol]),
  'threat-intel': () => [T.applicationLayerProtocol],
  // a storm of NXDOMAIN answers is what a DGA client produces; resets and unreachables are not evidence of a technique
  'error-surge': (a) => (a.observed.feature === 'dns.nxdomain' ? [T.domainGeneration] : []),
  'host-silent': () => [],
  deviation: () => [],
  // a host acting outside its own profile is a lead, not evidence of one technique
  'host-deviation': () => [],
};

/** The ATT&CK techniques this anomaly is evidence of (possibly none). */
export function attackTechniques(a: AnomalyFacts): AttackTechnique[] {
  return BY_KIND[a.kind](a).map((t) => ({ ...t }));
}
