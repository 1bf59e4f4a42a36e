// One finding record says one number: the observed value, the expected range and the summary
// sentence all describe the strongest window, so the feed, the card and the summary agree.
import { describe, expect, it } from 'vitest';
import { emptyWindowStats } from '../../capture/index.ts';
import { IncidentTracker } from '../../model/incidentTracker.ts';
import type { Finding } from '../../model/detectors/finding.ts';

function surge(rate: number, closes = false): Finding {
  return {
    kind: 'error-surge', key: 'error-surge|10.0.0.2', subject: { localHost: '10.0.0.2' }, strength: rate / 2, score: rate,
    observed: { feature: 'dns.nxdomain', value: rate, unit: 'NXDOMAIN/s' }, expected: { low: 0, high: 0, median: 0 },
    contributions: [], maturity: 1, summary: `${rate} NXDOMAIN answers/s, expected at most 0/s`, ...(closes ? { closes } : {}),
  };
}

describe('incident tracker', () => {
  it('keeps the summary of the peak window with its observed value, not the last window\'s', () => {
    const tracker = new IncidentTracker({ sensor: 's', modelVersion: 'v', criticality: null, now: () => 0 });
    let last;
    for (const [i, rate] of [24, 36, 30, 24].entries()) {
      const out = tracker.update(emptyWindowStats('s', i * 1000, 1000), [surge(rate)], false);
      if (out.length) last = out[out.length - 1];
    }
    last = tracker.finish().at(-1) ?? last;
    expect(last!.observed.value).toBe(36);
    expect(last!.summary).toBe('36 NXDOMAIN answers/s, expected at most 0/s');
  });

  it('takes the closing finding\'s sentence when it is as strong as the peak', () => {
    const tracker = new IncidentTracker({ sensor: 's', modelVersion: 'v', criticality: null, now: () => 0 });
    tracker.update(emptyWindowStats('s', 0, 1000), [surge(10)], false);
    const closed = tracker.update(emptyWindowStats('s', 1000, 1000), [{ ...surge(10, true), summary: 'back to normal after 10/s' }], false);
    expect(closed.at(-1)!.ongoing).toBe(false);
    expect(closed.at(-1)!.summary).toBe('back to normal after 10/s');
  });

  it('starts an incident where a finding that sums many minutes says its traffic began, keeping the id of the window that raised it', () => {
    const tracker = new IncidentTracker({ sensor: 's', modelVersion: 'v', criticality: null, now: () => 0 });
    const [opened] = tracker.update(emptyWindowStats('s', 600_000, 10_000), [{ ...surge(10), since: 120_000 }], false);
    expect(opened!.start).toBe(120_000);
    expect(opened!.end).toBe(610_000);
    expect(opened!.id).toContain('-600000-');
    tracker.update(emptyWindowStats('s', 610_000, 10_000), [{ ...surge(12), since: 60_000 }], false);
    expect(tracker.finish().at(-1)!.start).toBe(60_000);
  });
});
