// Human units in the feed, the card and the CSV: durations in s/min/h, byte rates in one system,
// counts with their noun in the right number, ranges that say their unit once, model metrics
// that are times shown as times; CSV cells that a spreadsheet cannot run.
import { describe, expect, it } from 'vitest';
import { observedVsExpected, summaryText } from '../../ui/src/anomalyText.ts';
import { csvCell, toCsv } from '../../ui/src/csv.ts';
import {
  formatCounted, formatDuration, formatMetric, formatMetricDelta, formatRange, formatValue, fromInputTime, toInputTime,
} from '../../ui/src/format.ts';
import type { Anomaly } from '../../ui/src/types.ts';
import { formatObserved } from '../../model/detectors/finding.ts';
import { NETWORK_FEATURES } from '../../model/features.ts';

describe('formatters', () => {
  it('writes durations in s, min, h and d with two units at most', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(865)).toBe('14 min 25 s');
    expect(formatDuration(3799)).toBe('1 h 3 min');
    expect(formatDuration(7200)).toBe('2 h');
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 59)).toBe('3 d 4 h');
    expect(formatValue(3799, 's')).toBe('1 h 3 min');
  });

  it('puts byte rates and sizes in one system, whatever the period', () => {
    expect(formatValue(1_000_000, 'bytes/min')).toBe('1.0 MB/min');
    expect(formatValue(1_000_000, 'bytes')).toBe('1.0 MB');
    expect(formatValue(2048, 'bytes/s')).toBe('2.0 kB/s');
  });

  it('counts without "1 matches", shares and jitter as percentages', () => {
    expect(formatCounted(1, 'match')).toBe('1 match');
    expect(formatCounted(3, 'match')).toBe('3 matches');
    expect(formatCounted(2, 'host')).toBe('2 hosts');
    expect(formatValue(1, 'matches')).toBe('1 match');
    expect(formatValue(0.009, 'coefficient of variation')).toBe('0.9% jitter');
    expect(formatValue(0.25, 'share')).toBe('25%');
  });

  it('says a range once, with "none" and "at most" where they read better', () => {
    expect(formatRange(0, 0, 'matches')).toBe('none');
    expect(formatRange(0, 0, 's')).toBe('none');
    expect(formatRange(0, 2131.5, 'bytes/min')).toBe('at most 2.1 kB/min');
    expect(formatRange(0.2, 1, 'coefficient of variation')).toBe('20%–100% jitter');
    expect(formatRange(8, 20, 'chars')).toBe('8–20 chars');
    expect(formatRange(3, 3, 'hosts')).toBe('3 hosts');
    expect(formatRange(0, 0, 'bytes')).toBe('none');
    expect(formatRange(0, 1, 'hosts')).toBe('at most 1 host');
    expect(formatValue(1, 'names in 30 s')).toBe('1 name in 30 s');
    expect(formatValue(252, 'names in 30 s')).toBe('252 names in 30 s');
    expect(formatValue(1, 'RST/s')).toBe('1 RST/s');
  });

  it('reads the demo findings the issue quoted as a person would', () => {
    const base = { observed: { feature: 'ioc.matches', value: 1, unit: 'matches' }, expected: { low: 0, high: 0, median: 0 } } as unknown as Anomaly;
    expect(observedVsExpected(base)).toBe('1 match, expected none');
    const beacon = { observed: { feature: 'pair.intervalJitter', value: 0.01, unit: 'coefficient of variation' }, expected: { low: 0.2, high: 1, median: 1 } } as unknown as Anomaly;
    expect(observedVsExpected(beacon)).toBe('1.0% jitter, expected 20%–100% jitter');
    const silent = { observed: { feature: 'host.silentSeconds', value: 3799, unit: 's' }, expected: { low: 0, high: 0, median: 0 } } as unknown as Anomaly;
    expect(observedVsExpected(silent)).toBe('1 h 3 min, expected none');
    expect(summaryText({ summary: '10.0.0.101 was silent for 3799 s and is back' })).toBe('10.0.0.101 was silent for 1 h 3 min and is back');
    expect(summaryText({ summary: '244 names in 30 s, 12 s apart' })).toBe('244 names in 30 s, 12 s apart');
  });

  it('shows training times as times, not as giga-counts', () => {
    expect(formatMetric('trainingStart', 1_709_800_000_000)).toBe('2024-03-07 08:26:40Z');
    expect(formatMetric('trainingWindows', 259_198)).toBe('259.2k');
    expect(formatMetricDelta('trainingEnd', 86_400_000)).toBe('+24 h');
    expect(formatMetricDelta('incidentWindowsFlagged', -3)).toBe('-3');
  });

  it('round-trips event time through datetime-local inputs as UTC', () => {
    const t = Date.UTC(2024, 2, 7, 11, 43);
    expect(toInputTime(t)).toBe('2024-03-07T11:43');
    expect(fromInputTime('2024-03-07T11:43')).toBe(t);
    expect(fromInputTime('2024-03-07T11:43:30')).toBe(t + 30_000);
    expect(fromInputTime('')).toBeUndefined();
    expect(fromInputTime('yesterday')).toBeUndefined();
  });
});

describe('the model\'s summaries and the feed', () => {
  it('print an observed value the same way, in every unit a detector or feature reports', () => {
    const units = [...new Set([...NETWORK_FEATURES.map((f) => f.unit), 'bytes', 'bytes/min', 'bytes/s', 'matches', 'score (0–1)', 'SYN/s', 'share of bytes', 'profile', 'names in 30 s', 'hosts in 10 s', ''])];
    const values = [0, 0.004, 0.05, 0.255, 0.825, 1, 2, 8.1, 27.06, 151, 999.5, 4_096, 12_345, 433_000, 5_089_720, 1.2e9];
    for (const unit of units) for (const v of values) expect(formatObserved(v, unit), `${v} ${unit}`).toBe(formatValue(v, unit));
  });
});

describe('CSV export', () => {
  it('quotes every cell and defuses formulas from packet text', () => {
    expect(csvCell('a "b"')).toBe('"a ""b"""');
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('-1+2')).toBe('"\'-1+2"');
    expect(csvCell(-3)).toBe('"-3"');
    expect(toCsv(['a', 'b'], [[1, 'x,y']])).toBe('"a","b"\r\n"1","x,y"\r\n');
  });
});
