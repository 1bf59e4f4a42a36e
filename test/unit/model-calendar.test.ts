// The site calendar (time zone, weekends, holidays) and the day-type slots of the baseline: an
// hour is judged against the same hour of the same kind of day, and a kind of day training never
// saw has no confident expectation — a host quiet on the first Saturday is not missing.
import { describe, expect, it } from 'vitest';
import { emptyWindowStats, type WindowStats } from '../../capture/index.ts';
import { SeasonalBaseline, SeasonalBaselineBuilder } from '../../model/seasonalBaseline.ts';
import { CalendarError, SiteCalendar, parseHolidays } from '../../model/timeSlots.ts';
import { HostSilentDetector } from '../../model/detectors/hostSilent.ts';
import { HostBaselineBuilder, HostBaselines } from '../../model/hostBaselines.ts';
import type { Finding } from '../../model/detectors/finding.ts';
import { hostStats } from '../../datasets/synthetic/index.ts';

const H = 3_600_000;

describe('SiteCalendar', () => {
  it('puts event times in the site\'s local hour, day of week and kind of day, across DST', () => {
    const berlin = new SiteCalendar('Europe/Berlin', ['2024-12-25']);
    const winter = berlin.slot(Date.UTC(2024, 2, 4, 7, 30)); // Monday 08:30 CET
    expect([winter.hourOfDay, winter.dayOfWeek, winter.dayType, winter.hourOfWeek]).toEqual([8, 0, 'weekday', 8]);
    const summer = berlin.slot(Date.UTC(2024, 2, 31, 1, 30)); // Sunday 03:30 CEST, the night clocks go forward
    expect([summer.hourOfDay, summer.dayType]).toEqual([3, 'weekend']);
    expect(berlin.slot(Date.UTC(2024, 11, 25, 12)).dayType).toBe('holiday');
    expect(berlin.slot(Date.UTC(2024, 11, 25, 12)).date).toBe('2024-12-25');
    const ny = new SiteCalendar('America/New_York');
    const friNight = ny.slot(Date.UTC(2024, 2, 9, 3)); // Saturday 03:00 UTC is Friday 22:00 in New York
    expect([friNight.hourOfDay, friNight.dayOfWeek, friNight.dayType]).toEqual([22, 4, 'weekday']);
    expect(SiteCalendar.UTC.slot(Date.UTC(2024, 2, 9, 3)).dayType).toBe('weekend');
    expect(ny.hourEnd(Date.UTC(2024, 2, 9, 3, 20))).toBe(Date.UTC(2024, 2, 9, 4));
  });

  it('refuses unknown zones and malformed holidays with errors that say what to give', () => {
    expect(() => new SiteCalendar('Mars/Olympus')).toThrow(CalendarError);
    expect(() => new SiteCalendar('Mars/Olympus')).toThrow(/IANA name/);
    expect(parseHolidays('2024-12-25, 2024-12-26\n# comment\n2024-01-01')).toEqual(['2024-01-01', '2024-12-25', '2024-12-26']);
    expect(() => parseHolidays('2024-13-01')).toThrow(/YYYY-MM-DD/);
    expect(() => parseHolidays('christmas')).toThrow(/not a date/);
  });
});

function officeWindow(start: number, withHost: boolean): WindowStats {
  const w = emptyWindowStats('t', start, 10_000);
  w.localHosts = [hostStats('10.0.0.99', 5000, 5000), ...(withHost ? [hostStats('10.0.0.5', 5000, 5000)] : [])];
  w.topLocalHosts = w.localHosts;
  w.health.packetsSeen = 20;
  w.directions.outbound.packets = 10;
  return w;
}

/** Five weekdays (Mon 2024-03-04 … Fri) of 10 s windows 08:00–18:00 local, in which 10.0.0.5 (a
 * server: it also talks at night, 02:00–04:00) always talks. */
function weekdayBaseline(calendar: SiteCalendar): { baseline: SeasonalBaseline; hosts: HostBaselines } {
  const b = new SeasonalBaselineBuilder(1, 10_000, calendar);
  const hb = new HostBaselineBuilder(calendar);
  for (let day = 0; day < 5; day++) {
    const dayStart = Date.UTC(2024, 2, 4 + day) - calendar.offsetMs(Date.UTC(2024, 2, 4 + day, 12));
    for (let t = dayStart + 8 * H; t < dayStart + 18 * H; t += 10_000) {
      b.window(t);
      b.add('presence:10.0.0.5', t, 1, false);
      b.add('outbound.payload', t, 10);
      hb.add(officeWindow(t, true));
    }
    for (let t = dayStart + 2 * H; t < dayStart + 4 * H; t += 10_000) hb.add(officeWindow(t, true));
  }
  return { baseline: new SeasonalBaseline(b.build(() => 0.1)), hosts: new HostBaselines(hb.build(), calendar) };
}

describe('day-type slots', () => {
  const { baseline, hosts } = weekdayBaseline(new SiteCalendar('Europe/Berlin'));

  it('records the calendar with the baseline and expects a weekday hour from weekdays', () => {
    expect(baseline.json.calendar).toEqual({ timeZone: 'Europe/Berlin', holidays: [] });
    const tue10 = Date.UTC(2024, 2, 12, 9); // Tuesday 10:00 CET, a week later
    expect(baseline.presence('presence:10.0.0.5', tue10)).toEqual({ ratio: 1, windows: 5 * 360 });
    const e = baseline.expect('outbound.payload', tue10)!;
    expect(e.slot).toBe('day-type-hour');
    expect(e.maturity).toBeGreaterThan(0.5);
  });

  it('has no expected presence on a Saturday it never saw, and only a borrowed, immature band', () => {
    const sat10 = Date.UTC(2024, 2, 9, 9);
    expect(baseline.presence('presence:10.0.0.5', sat10)).toBeNull();
    const e = baseline.expect('outbound.payload', sat10)!;
    expect(e.slot).toBe('hour-of-day');
    expect(e.maturity).toBeLessThanOrEqual(0.25);
    // 08:00 Berlin is 07:00 UTC: the slot follows the site's clock
    expect(baseline.presence('presence:10.0.0.5', Date.UTC(2024, 2, 12, 7, 10))?.ratio).toBe(1);
    expect(baseline.presence('presence:10.0.0.5', Date.UTC(2024, 2, 12, 6, 50))).toBeNull();
  });

  it('host-silent: a regular weekday host quiet all Saturday raises nothing; quiet on a Tuesday it does', () => {
    const windowsOf = (start: number, n: number, withHost: boolean): WindowStats[] => Array.from({ length: n }, (_, i) => officeWindow(start + i * 10_000, withHost));
    const run = (start: number): Finding[] => {
      const d = new HostSilentDetector(hosts, baseline);
      const out: Finding[] = [];
      for (const w of [...windowsOf(start, 6, true), ...windowsOf(start + 60_000, 180, false)]) d.detect({ w, features: new Float64Array(0), captureLoss: false, dnsNames: [] }, out);
      return out;
    };
    expect(run(Date.UTC(2024, 2, 9, 9))).toEqual([]);
    const tuesday = run(Date.UTC(2024, 2, 12, 9));
    expect(tuesday.length).toBeGreaterThan(0);
    expect(tuesday[0]!.subject.localHost).toBe('10.0.0.5');
  });
});
