// Scoring alarms against labels, on hand-made alarms: attribution, which detector found what,
// explained versus false alarms, per-day counts in the site's time zone, and the targets.
import { describe, expect, it } from 'vitest';
import { detectionTargets, type EvaluatedAlarm, type EvaluationLabels, scoreAlarms } from '../../model/index.ts';

const H = 3_600_000;
const WINDOW = 10_000;
// Friday 26 and Saturday 27 September 2025 in Europe/Berlin (summer time: UTC+2)
const FRI = Date.UTC(2025, 8, 25, 22);
const SAT = Date.UTC(2025, 8, 26, 22);
const SUN = Date.UTC(2025, 8, 27, 22);

const labels: EvaluationLabels = {
  version: 1, seed: 1, files: [], localNets: ['10.0.0.0/8'],
  trainRange: { start: FRI - 24 * H, end: FRI },
  timezone: 'Europe/Berlin',
  days: [
    { date: '2025-09-26', type: 'weekday', start: FRI, end: SAT },
    { date: '2025-09-27', type: 'weekend', start: SAT, end: SUN },
  ],
  incidents: [
    { id: 'tunnel', kind: 'dns-tunnel', start: FRI + 10 * H, end: FRI + 11 * H, host: '10.20.0.7', domain: 't.example', description: '' },
    { id: 'sweep', kind: 'scan', start: FRI + 12 * H, end: FRI + 12 * H + 240_000, host: '10.20.0.9', remote: '10.20.0.0/22', description: '' },
    { id: 'role', kind: 'role-change', start: FRI + 13 * H, end: FRI + 17 * H, host: '10.20.0.44', description: '' },
    { id: 'silent', kind: 'host-silent', start: SAT + 10 * H, end: SAT + 10.5 * H, host: '10.10.0.12', description: '' },
  ],
  normalPeaks: [],
};

function alarm(kind: string, start: number, host: string | null, level: EvaluatedAlarm['level'] = 'high', minutes = 1): EvaluatedAlarm {
  return { kind, start, end: start + minutes * 60_000, severity: level === 'high' ? 70 : 30, level, host, remote: null, summary: '' };
}

const span = { start: FRI, end: SUN };

describe('scoring alarms against labels', () => {
  const alarms: EvaluatedAlarm[] = [
    // the tunnel: first named on the resolver (same kind: found, not attributed, not false), then on the client
    alarm('dns-tunnel', FRI + 10 * H + 60_000, '10.10.0.53'),
    alarm('dns-tunnel', FRI + 10 * H + 300_000, '10.20.0.7'),
    // during the tunnel, another kind on another host: a false alarm
    alarm('new-destination', FRI + 10.5 * H, '10.30.0.99'),
    // the sweep, attributed; a reset surge on one of its targets (inside the swept /22) is explained
    alarm('scan', FRI + 12 * H + 30_000, '10.20.0.9'),
    alarm('error-surge', FRI + 12 * H + 40_000, '10.20.1.17'),
    // the role change: the model on the host, and a rule alarm on the same host
    alarm('host-deviation', FRI + 14 * H, '10.20.0.44'),
    alarm('new-destination', FRI + 15 * H, '10.20.0.44'),
    // the silent server is named by a rule only on another host: found (kind), not attributed
    alarm('host-silent', SAT + 10.2 * H, '10.10.0.30'),
    // false alarms: 23:30 UTC on Friday is 01:30 Saturday in Berlin
    alarm('outbound-spike', FRI + 3 * H, '10.20.0.1', 'medium'),
    alarm('beaconing', SAT - 30 * 60_000 + 2 * H, '10.20.0.2', 'low'),
    alarm('host-silent', SAT + 15 * H, '10.30.0.5', 'critical'),
  ];
  const m = scoreAlarms(alarms, labels, span, WINDOW);
  const byId = Object.fromEntries(m.incidents.map((i) => [i.id, i]));

  it('finds incidents by kind and attributes them only when the alarm names the labelled host', () => {
    expect(byId.tunnel).toMatchObject({ detected: true, attributed: true, foundByRule: true, foundByModel: false });
    // delay runs to the first attributed alarm's window end
    expect(byId.tunnel!.delayMs).toBe(300_000 + WINDOW);
    expect(byId.sweep).toMatchObject({ detected: true, attributed: true });
    expect(byId.silent).toMatchObject({ detected: true, attributed: false, kindsOnHost: [] });
    expect(m.perKind['dns-tunnel']).toMatchObject({ incidents: 1, detected: 1, attributed: 1 });
    expect(m.perKind['host-silent']).toMatchObject({ incidents: 1, detected: 1, attributed: 0 });
  });

  it('matches a role change to the model and says which detectors named the host', () => {
    expect(byId.role).toMatchObject({ detected: true, attributed: true, foundByModel: true, foundByRule: true, kindsOnHost: ['host-deviation', 'new-destination'] });
    const modelOnly = scoreAlarms(alarms.filter((a) => a.kind !== 'new-destination'), labels, span, WINDOW);
    expect(modelOnly.incidents.find((i) => i.id === 'role')).toMatchObject({ foundByModel: true, foundByRule: false });
    expect(detectionTargets(labels, 'after-training', modelOnly).find((t) => t.target.includes('learned model'))).toMatchObject({ measured: 'role-change', met: true });
    expect(detectionTargets(labels, 'after-training', m).find((t) => t.target.includes('learned model'))).toMatchObject({ measured: 'none', met: false });
  });

  it('counts as false only the alarms no incident explains, on the local day they start', () => {
    expect(m.falseAlarmList.map((a) => `${a.kind} ${a.host}`).sort()).toEqual([
      'beaconing 10.20.0.2', 'host-silent 10.30.0.5', 'new-destination 10.30.0.99', 'outbound-spike 10.20.0.1',
    ]);
    expect(m.days.map((d) => [d.date, d.type, d.falseAlarms])).toEqual([['2025-09-26', 'weekday', 2], ['2025-09-27', 'weekend', 2]]);
    // normal hours: the day minus the incidents (tunnel 1 h, sweep 4 min, role change 4 h)
    expect(m.days[0]!.normalHours).toBeCloseTo(24 - 1 - 4 / 60 - 4, 6);
    expect(m.byDayType.weekday.perDay).toBeCloseTo(2 / ((24 - 5 - 4 / 60) / 24), 6);
    expect(m.byDayType.holiday.perDay).toBeNull();
    expect(m.falseChainsMediumPlus).toBe(3);
  });

  it('prints the targets with what was measured', () => {
    const targets = detectionTargets(labels, 'after-training', m);
    expect(targets.find((t) => t.target.startsWith('every incident'))).toMatchObject({ measured: '3/4 (found 4/4)', met: false });
    expect(targets.find((t) => t.target.includes('per working day'))!.met).toBe(false);
    expect(targets.find((t) => t.target.includes('first weekend'))!.met).toBeNull();
    const weekend = detectionTargets(labels, 'first-weekend', scoreAlarms(alarms.filter((a) => a.start >= SAT), labels, { start: SAT, end: SUN }, WINDOW));
    expect(weekend).toEqual([expect.objectContaining({ measured: '1 chain (2 false alarms in all)', met: true })]);
  });

  it('reads days as UTC days, Saturday and Sunday weekend, when the labels have no calendar', () => {
    const { days: _days, timezone: _tz, ...office } = labels;
    const u = scoreAlarms(alarms, office, span, WINDOW);
    expect(u.days.map((d) => [d.date, d.type])).toEqual([['2025-09-25', 'weekday'], ['2025-09-26', 'weekday'], ['2025-09-27', 'weekend']]);
    expect(detectionTargets(office, 'after-training', u).some((t) => t.target.startsWith('office presets'))).toBe(true);
  });
});
