// The severity formula spreads findings over the levels by what matters: a finding just past its
// threshold is not critical; size, duration, confidence and criticality move it; an incident is
// raised by corroborating findings of other kinds, not by repeats of one kind.
import { describe, expect, it } from 'vitest';
import { incidentSeverity, severityOf, type SeverityInput } from '../../model/index.ts';

const plain: SeverityInput = { kind: 'outbound-spike', strength: 1.2, windows: 3, maturity: 1, criticality: null, captureLoss: false };
const sev = (o: Partial<SeverityInput>): number => severityOf({ ...plain, ...o }).severity;

describe('finding severity', () => {
  it('keeps a finding just past its threshold out of high and critical, whatever its kind', () => {
    for (const kind of ['outbound-spike', 'scan', 'dns-tunnel', 'beaconing', 'new-destination', 'error-surge', 'host-silent', 'deviation'] as const) {
      expect(severityOf({ ...plain, kind }).level, kind).toMatch(/^(info|low|medium)$/);
    }
  });
  it('needs size and duration, or a critical asset, to reach critical', () => {
    const scan = { ...plain, kind: 'scan' as const };
    expect(severityOf({ ...scan, strength: 64 }).level).not.toBe('critical');
    expect(severityOf({ ...scan, strength: 64, windows: 600 }).level).toBe('high');
    expect(severityOf({ ...scan, strength: 64, windows: 600, criticality: 'high' }).level).toBe('critical');
    // data leaving in volume for long is critical on any asset that is not marked low
    expect(severityOf({ ...plain, strength: 64, windows: 600 }).level).toBe('critical');
  });
  it('grows with size, duration and criticality and shrinks with immaturity and capture loss', () => {
    expect(sev({ strength: 8 })).toBeGreaterThan(sev({}));
    expect(sev({ windows: 300 })).toBeGreaterThan(sev({}));
    expect(sev({ criticality: 'critical' })).toBeGreaterThan(sev({ criticality: 'high' }));
    expect(sev({ criticality: 'low' })).toBeLessThan(sev({}));
    expect(sev({ maturity: 0 })).toBeLessThan(sev({}));
    expect(sev({ captureLoss: true })).toBeLessThan(sev({}));
  });
  it('bounds the size term, so a million-fold strength is not worth more than a 32-fold one', () => {
    expect(sev({ strength: 1e6 })).toBe(sev({ strength: 32 }));
  });
});

describe('incident severity', () => {
  it('is the top finding raised by each further kind, up to a cap', () => {
    const one = incidentSeverity([{ kind: 'outbound-spike', severity: 62 }]);
    expect(one).toEqual({ severity: 62, level: 'high' });
    expect(incidentSeverity([{ kind: 'outbound-spike', severity: 62 }, { kind: 'outbound-spike', severity: 50 }]).severity).toBe(62);
    expect(incidentSeverity([{ kind: 'outbound-spike', severity: 62 }, { kind: 'new-destination', severity: 50 }]).severity).toBe(67);
    expect(incidentSeverity([
      { kind: 'outbound-spike', severity: 75 }, { kind: 'new-destination', severity: 50 }, { kind: 'beaconing', severity: 40 }, { kind: 'dns-tunnel', severity: 30 },
    ])).toEqual({ severity: 85, level: 'critical' });
    expect(incidentSeverity([]).level).toBe('info');
  });
});
