// The site's calendar: its time zone, its days (local midnight to local midnight) and what kind of
// day each is (weekday, weekend, public holiday). Local time is what people keep: they arrive at
// 08:30 Berlin time whatever the UTC offset, so activity curves read local hours from here.
import { DAY_MS, HOUR_MS } from './profile.ts';

export type DayType = 'weekday' | 'weekend' | 'holiday';

export interface SiteDay {
  /** local date, YYYY-MM-DD */
  date: string;
  /** local midnight that starts the day, ms since the epoch */
  start: number;
  /** the next local midnight (23 or 25 hours later across a daylight-saving change) */
  end: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  type: DayType;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

function formatter(timeZone: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
  } catch {
    throw new Error(`time zone '${timeZone}' is unknown; use an IANA name such as Europe/Berlin or UTC`);
  }
}

/** The zone's offset from UTC at `ms` (local = UTC + offset), ms. */
function offsetAt(fmt: Intl.DateTimeFormat, ms: number): number {
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return local - Math.floor(ms / 1000) * 1000;
}

function parseDate(text: string, what: string): [number, number, number] {
  const m = DATE_PATTERN.exec(text);
  const y = Number(m?.[1]);
  const mo = Number(m?.[2]);
  const d = Number(m?.[3]);
  if (!m || new Date(Date.UTC(y, mo - 1, d)).toISOString().slice(0, 10) !== text) {
    throw new Error(`${what} '${text}' is not a date; use YYYY-MM-DD`);
  }
  return [y, mo, d];
}

/** Local midnight of a date in a time zone, ms since the epoch. */
export function localMidnight(timeZone: string, date: string): number {
  const fmt = formatter(timeZone);
  const [y, m, d] = parseDate(date, 'date');
  const utcMidnight = Date.UTC(y, m - 1, d);
  let guess = utcMidnight - offsetAt(fmt, utcMidnight);
  guess = utcMidnight - offsetAt(fmt, guess);
  return guess;
}

function addDays(date: string, n: number): string {
  const [y, m, d] = parseDate(date, 'date');
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export class SiteCalendar {
  readonly days: SiteDay[];

  constructor(readonly timeZone: string, firstDate: string, dayCount: number, readonly holidays: readonly string[]) {
    for (const h of holidays) parseDate(h, 'holiday');
    parseDate(firstDate, 'first day');
    this.days = [];
    for (let i = 0; i < dayCount; i++) {
      const date = addDays(firstDate, i);
      const [y, m, d] = parseDate(date, 'date');
      const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
      const type: DayType = holidays.includes(date) ? 'holiday' : weekday === 0 || weekday === 6 ? 'weekend' : 'weekday';
      this.days.push({ date, start: localMidnight(timeZone, date), end: localMidnight(timeZone, addDays(date, 1)), weekday, type });
    }
  }

  get start(): number {
    return this.days[0]!.start;
  }

  get end(): number {
    return this.days[this.days.length - 1]!.end;
  }

  /** Index of the day holding `ms`, or -1 outside the calendar. */
  dayIndex(ms: number): number {
    const days = this.days;
    if (ms < days[0]!.start || ms >= days[days.length - 1]!.end) return -1;
    let i = Math.min(days.length - 1, Math.floor((ms - days[0]!.start) / DAY_MS));
    while (i > 0 && ms < days[i]!.start) i--;
    while (i < days.length - 1 && ms >= days[i]!.end) i++;
    return i;
  }

  /** Local hour of day, 0 … 24 (fractional), counted from the local midnight. */
  localHour(ms: number): number {
    const i = this.dayIndex(ms);
    const day = i < 0 ? null : this.days[i]!;
    if (!day) return (((ms % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
    return (ms - day.start) / HOUR_MS;
  }

  /** The instant of local hour `hour` on day `index` (hours past a daylight-saving change shift by its hour). */
  at(index: number, hour: number): number {
    return this.days[index]!.start + hour * HOUR_MS;
  }
}
