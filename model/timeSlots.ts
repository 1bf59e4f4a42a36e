// Time slots of the baselines, in the site's time zone: hour of the week (Monday 00:00 local = 0),
// hour of the day, and the kind of day (weekday, weekend, holiday). Offsets come from Intl (no
// time-zone package); they change only on quarter hours, so one lookup per 15 minutes of event
// time is enough and a window's slot costs a comparison.
const MINUTE_MS = 60_000;
const QUARTER_MS = 15 * MINUTE_MS;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
export const HOURS_PER_WEEK = 168;
export const HOURS_PER_DAY = 24;

export type DayType = 'weekday' | 'weekend' | 'holiday';
export const DAY_TYPES: readonly DayType[] = ['weekday', 'weekend', 'holiday'];
/** day type × hour of day */
export const DAY_TYPE_HOURS = DAY_TYPES.length * HOURS_PER_DAY;

export interface TimeSlot {
  hourOfDay: number;
  hourOfWeek: number;
  /** 0 = Monday … 6 = Sunday, local */
  dayOfWeek: number;
  dayType: DayType;
  /** index into DAY_TYPES */
  dayTypeIndex: number;
  /** dayTypeIndex × 24 + hourOfDay */
  dayTypeHour: number;
  /** local calendar date, YYYY-MM-DD */
  date: string;
}

export interface CalendarJson {
  timeZone: string;
  /** local dates (YYYY-MM-DD) that count as holidays */
  holidays: string[];
}

export class CalendarError extends Error {
  override name = 'CalendarError';
}

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Reads a holiday list: dates (YYYY-MM-DD) separated by commas, spaces or lines; `#` starts a comment. */
export function parseHolidays(text: string, source = 'holiday list'): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    for (const item of line.replace(/#.*/, '').split(/[\s,]+/)) {
      if (!item) continue;
      if (!DATE_PATTERN.test(item) || Number.isNaN(Date.parse(`${item}T00:00:00Z`)) || new Date(`${item}T00:00:00Z`).toISOString().slice(0, 10) !== item) {
        throw new CalendarError(`${source}: '${item.slice(0, 40)}' is not a date; write holidays as YYYY-MM-DD, separated by commas or one per line`);
      }
      out.push(item);
    }
  }
  return [...new Set(out)].sort();
}

/** The site's calendar: time zone and holidays. Saturday and Sunday are the weekend. */
export class SiteCalendar {
  static readonly UTC = new SiteCalendar('UTC', []);
  private readonly holidays: ReadonlySet<string>;
  private readonly format: Intl.DateTimeFormat | null;
  private bucket = NaN;
  private cached: TimeSlot | null = null;
  private offsetBucket = NaN;
  private offset = 0;

  constructor(readonly timeZone = 'UTC', holidays: Iterable<string> = []) {
    this.holidays = new Set(holidays);
    if (timeZone === 'UTC') {
      this.format = null;
      return;
    }
    try {
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
      });
    } catch {
      throw new CalendarError(`unknown time zone '${timeZone.slice(0, 60)}'; give an IANA name such as Europe/Berlin, America/New_York or UTC`);
    }
  }

  static fromJson(json: CalendarJson | undefined): SiteCalendar {
    if (!json || (json.timeZone === 'UTC' && json.holidays.length === 0)) return SiteCalendar.UTC;
    return new SiteCalendar(json.timeZone, json.holidays);
  }

  toJson(): CalendarJson {
    return { timeZone: this.timeZone, holidays: [...this.holidays].sort() };
  }

  /** Local time minus UTC at `ms`, in ms. */
  offsetMs(ms: number): number {
    if (!this.format) return 0;
    const b = Math.floor(ms / QUARTER_MS);
    if (b === this.offsetBucket) return this.offset;
    const at = b * QUARTER_MS;
    let y = 0, mo = 0, d = 0, h = 0, mi = 0;
    for (const p of this.format.formatToParts(at)) {
      if (p.type === 'year') y = Number(p.value);
      else if (p.type === 'month') mo = Number(p.value);
      else if (p.type === 'day') d = Number(p.value);
      else if (p.type === 'hour') h = Number(p.value);
      else if (p.type === 'minute') mi = Number(p.value);
    }
    this.offsetBucket = b;
    this.offset = Date.UTC(y, mo - 1, d, h, mi) - at;
    return this.offset;
  }

  /** The slot of an event time (the same object for every time in one quarter hour). */
  slot(ms: number): TimeSlot {
    const b = Math.floor(ms / QUARTER_MS);
    if (b === this.bucket && this.cached) return this.cached;
    const local = b * QUARTER_MS + this.offsetMs(b * QUARTER_MS);
    const hourOfDay = Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
    // 1970-01-01 was a Thursday: three days before it was Monday
    const dayOfWeek = Math.floor(((((local + 3 * DAY_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS) / DAY_MS);
    const date = new Date(Math.floor(local / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
    const dayType: DayType = this.holidays.has(date) ? 'holiday' : dayOfWeek >= 5 ? 'weekend' : 'weekday';
    const dayTypeIndex = DAY_TYPES.indexOf(dayType);
    this.bucket = b;
    this.cached = { hourOfDay, hourOfWeek: dayOfWeek * 24 + hourOfDay, dayOfWeek, dayType, dayTypeIndex, dayTypeHour: dayTypeIndex * HOURS_PER_DAY + hourOfDay, date };
    return this.cached;
  }

  /** Where the local hour that holds `ms` ends, ms (for gaps cut at the hour's end). */
  hourEnd(ms: number): number {
    const off = this.offsetMs(ms);
    return (Math.floor((ms + off) / HOUR_MS) + 1) * HOUR_MS - off;
  }

  describe(kind: 'hour-of-week' | 'day-type-hour' | 'hour-of-day' | 'all', ms: number): string {
    if (kind === 'all') return 'at any time';
    const s = this.slot(ms);
    const zone = this.timeZone === 'UTC' ? 'UTC' : this.timeZone;
    const hh = `${String(s.hourOfDay).padStart(2, '0')}:00–${String((s.hourOfDay + 1) % 24).padStart(2, '0')}:00 ${zone}`;
    if (kind === 'hour-of-day') return `at ${hh}`;
    if (kind === 'day-type-hour') return `on ${s.dayType}s at ${hh}`;
    return `on ${DAY_NAMES[s.dayOfWeek]} ${hh}`;
  }
}

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Hour of day in UTC (kept for callers without a calendar). */
export function hourOfDay(ms: number): number {
  return SiteCalendar.UTC.slot(ms).hourOfDay;
}
