// MITRE ATT&CK mapping: every kind is mapped (possibly to nothing, on purpose), the mapping follows
// the finding's headline, and it reaches the stored record, the alert payload and syslog.
import { describe, expect, it } from 'vitest';
import { ANOMALY_KINDS, ANOMALY_VERSION, attackTechniques, type Anomaly, type AnomalyKind } from '../../model/index.ts';
import { anomalyToPoint, pointToAnomaly } from '../../store/index.ts';
import { formatSyslog } from '../../server/index.ts';
import { alertPayload } from '../../server/alerts/alertPayload.ts';

function anomaly(kind: AnomalyKind, over: Partial<Anomaly> = {}): Anomaly {
  return {
    version: ANOMALY_VERSION, id: `s-${kind}-1`, sensor: 's', kind, start: 1_000, end: 2_000, peakAt: 1_000, windows: 1,
    ongoing: false, detectedAt: 5, subject: { localHost: '10.0.0.5', remote: '203.0.113.9', port: 443 },
    observed: { feature: 'host.payloadOut', value: 1, unit: 'B/s' }, expected: { low: 0, high: 1, median: 0 },
    contributions: [], score: 1, severity: 70, level: 'high', maturity: 1, captureLoss: false, summary: 'x',
    modelVersion: 'v1', status: 'open', ...over,
  };
}

const ids = (a: Anomaly): string[] => attackTechniques(a).map((t) => t.id);

describe('ATT&CK techniques per kind', () => {
  it('maps every kind, each technique with an id, a name and a tactic', () => {
    for (const kind of ANOMALY_KINDS) {
      for (const t of attackTechniques(anomaly(kind))) {
        expect(t.id).toMatch(/^T\d{4}(\.\d{3})?$/);
        expect(t.name.length).toBeGreaterThan(3);
        expect(t.tactic.length).toBeGreaterThan(3);
      }
    }
    expect(ids(anomaly('scan'))).toEqual(['T1046']);
    expect(ids(anomaly('dns-tunnel'))).toEqual(['T1071.004', 'T1048']);
    expect(ids(anomaly('outbound-spike'))).toEqual(['T1041', 'T1048', 'T1567']);
    expect(ids(anomaly('new-destination'))).toEqual(['T1041', 'T1048', 'T1567']);
    expect(ids(anomaly('threat-intel'))).toEqual(['T1071']);
    expect(ids(anomaly('host-silent'))).toEqual([]);
    expect(ids(anomaly('deviation'))).toEqual([]);
  });

  it('follows the headline: NXDOMAIN storms are DGA, reset storms are nothing; beacons on TLS ports are encrypted channels', () => {
    expect(ids(anomaly('error-surge', { observed: { feature: 'dns.nxdomain', value: 30, unit: '/s' } }))).toEqual(['T1568.002']);
    expect(ids(anomaly('error-surge', { observed: { feature: 'tcp.rst', value: 30, unit: '/s' } }))).toEqual([]);
    expect(ids(anomaly('beaconing'))).toEqual(['T1071', 'T1573']);
    expect(ids(anomaly('beaconing', { subject: { localHost: '10.0.0.5', remote: '203.0.113.9', port: 8081 } }))).toEqual(['T1071']);
  });

  it('is stored with the anomaly, as is the remote\'s DNS name', () => {
    const a = anomaly('dns-tunnel', { subject: { localHost: '10.0.0.5', remote: '203.0.113.9', remoteName: 'evil.example' } });
    a.attack = attackTechniques(a);
    const back = pointToAnomaly(anomalyToPoint(a));
    expect(back).toEqual(a);
    expect(back.attack?.map((t) => t.id)).toEqual(['T1071.004', 'T1048']);
    expect(back.subject.remoteName).toBe('evil.example');
  });

  it('is in the alert payload and the syslog message', () => {
    const p = alertPayload('new', anomaly('scan'));
    expect(p.attack.map((t) => t.id)).toEqual(['T1046']);
    expect(JSON.parse(JSON.stringify(p)).attack[0].name).toBe('Network Service Discovery');
    expect(formatSyslog(p, 'h')).toContain('attack="T1046"');
    expect(formatSyslog(alertPayload('new', anomaly('host-silent')), 'h')).not.toContain('attack=');
  });
});
