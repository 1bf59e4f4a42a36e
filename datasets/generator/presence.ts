// Who is there when: for every host of the enterprise, per local day, when the machine is on the
// network and when its user is at work. Desktops are mostly left on overnight; laptops arrive with
// their users (08:00–10:00), leave with them (16:00–19:00), miss some days and go on holiday for
// a week; almost nobody comes in at weekends or on the public holiday.
import type { LocalHost } from './network.ts';
import { HOUR_MS } from './profile.ts';
import type { Random } from './random.ts';
import type { SiteCalendar } from './siteCalendar.ts';

export interface Interval {
  from: number;
  to: number;
}

export interface HostDay {
  /** the machine is connected (ms since the epoch), or null all day */
  on: Interval[];
  /** the user is at the machine, or null */
  user: Interval | null;
}

const RAMP_H = 0.5;
const LUNCH_FACTOR = 0.45;
const LEFT_ON_SHARE = 0.85;
const LAPTOP_VACATION_SHARE = 0.2;
const DESKTOP_VACATION_SHARE = 0.1;

export class Presence {
  constructor(readonly host: LocalHost, readonly days: HostDay[], private readonly calendar: SiteCalendar) {}

  /** The machine is on the network at `ms`. */
  connected(ms: number): boolean {
    const i = this.calendar.dayIndex(ms);
    if (i < 0) return false;
    for (const iv of this.days[i]!.on) if (ms >= iv.from && ms < iv.to) return true;
    return false;
  }

  /** 0 … 1: how busy the user is at `ms` (ramps in and out, dips at lunch). */
  userActivity(ms: number): number {
    const i = this.calendar.dayIndex(ms);
    const user = i < 0 ? null : this.days[i]!.user;
    if (!user || ms <= user.from - RAMP_H * HOUR_MS || ms >= user.to + RAMP_H * HOUR_MS) return 0;
    const ramp = 2 * RAMP_H * HOUR_MS;
    let a = Math.min(1, (ms - user.from + RAMP_H * HOUR_MS) / ramp, (user.to + RAMP_H * HOUR_MS - ms) / ramp);
    const h = this.calendar.localHour(ms);
    if (h >= 12 && h < 13) a *= LUNCH_FACTOR;
    return a;
  }

  /** Every connected interval, in time order. */
  intervals(): Interval[] {
    return this.days.flatMap((d) => d.on);
  }

  /** Start of each user's working day (arrivals), in time order. */
  arrivals(): number[] {
    return this.days.filter((d) => d.user !== null).map((d) => d.user!.from);
  }
}

/** Always on, nobody at it (servers, printers, devices). */
export function alwaysOn(host: LocalHost, calendar: SiteCalendar): Presence {
  return new Presence(host, calendar.days.map((d) => ({ on: [{ from: d.start, to: d.end }], user: null })), calendar);
}

/** The first day index of a week-long holiday, or -1 (the seed decides who and when). */
function vacationStart(rnd: Random, share: number, days: number): number {
  return rnd.chance(share) ? rnd.int(0, Math.max(0, days - 3)) : -1;
}

function workingDay(rnd: Random, calendar: SiteCalendar, i: number, laptop: boolean): Interval | null {
  const day = calendar.days[i]!;
  if (day.type === 'weekday') {
    if (!rnd.chance(laptop ? 0.86 : 0.93)) return null;
    const arrive = laptop ? rnd.uniform(8, 10) : rnd.uniform(7.5, 9.5);
    const leave = laptop ? rnd.uniform(16, 19) : rnd.uniform(16.5, 18.5);
    return { from: calendar.at(i, arrive), to: calendar.at(i, leave) };
  }
  // a few come in at weekends or on the holiday, for a few hours
  if (!rnd.chance(laptop ? 0.04 : 0.03)) return null;
  const arrive = rnd.uniform(9.5, 13);
  return { from: calendar.at(i, arrive), to: calendar.at(i, arrive + rnd.uniform(1.5, 4)) };
}

/** A user's desktop: most are left on overnight, the rest switched on at arrival and off at departure. */
export function desktopPresence(host: LocalHost, calendar: SiteCalendar, rnd: Random): Presence {
  const leftOn = rnd.chance(LEFT_ON_SHARE);
  const vacation = vacationStart(rnd, DESKTOP_VACATION_SHARE, calendar.days.length);
  const days: HostDay[] = calendar.days.map((d, i) => {
    const away = vacation >= 0 && i >= vacation && i < vacation + 7;
    const user = away ? null : workingDay(rnd, calendar, i, false);
    if (leftOn) return { on: [{ from: d.start, to: d.end }], user };
    return { on: user ? [{ from: user.from - rnd.uniform(1, 5) * 60_000, to: user.to + rnd.uniform(1, 10) * 60_000 }] : [], user };
  });
  return new Presence(host, days, calendar);
}

/** A laptop: on the network while its user is in, sometimes gone for an hour at lunch. */
export function laptopPresence(host: LocalHost, calendar: SiteCalendar, rnd: Random): Presence {
  const vacation = vacationStart(rnd, LAPTOP_VACATION_SHARE, calendar.days.length);
  const days: HostDay[] = calendar.days.map((_, i) => {
    const away = vacation >= 0 && i >= vacation && i < vacation + 7;
    const user = away ? null : workingDay(rnd, calendar, i, true);
    if (!user) return { on: [], user };
    const from = user.from - rnd.uniform(0, 3) * 60_000;
    const to = user.to + rnd.uniform(0, 3) * 60_000;
    if (rnd.chance(0.25)) {
      // taken out to lunch: off the network for about an hour
      const out = calendar.at(i, rnd.uniform(11.8, 12.7));
      const back = out + rnd.uniform(40, 80) * 60_000;
      if (out > from && back < to) return { on: [{ from, to: out }, { from: back, to }], user };
    }
    return { on: [{ from, to }], user };
  });
  return new Presence(host, days, calendar);
}
