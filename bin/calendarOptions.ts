// --timezone and --holidays: the site calendar every time slot is in. Training records it in the
// model; detection uses the model's unless the flags say otherwise (holidays given then add to
// the model's, e.g. next year's list).
import { existsSync, readFileSync } from 'node:fs';
import { CalendarError, SiteCalendar, parseHolidays, type CalendarJson } from '../model/index.ts';
import { CliError } from './cliError.ts';

export const CALENDAR_FLAGS = {
  timezone: { type: 'string' },
  holidays: { type: 'string' },
} as const;

export const CALENDAR_USAGE = `  --timezone ZONE      the site's time zone (IANA name, e.g. Europe/Berlin) for hour-of-day,
                       hour-of-week and day-type slots (default UTC, or the model's)
  --holidays FILE|DATES  holidays as YYYY-MM-DD: a file with one date per line, or dates
                       separated by commas; they are judged as their own kind of day`;

/** Parses the flags; `base` is the model's calendar (detection), undefined when training. */
export function calendarFrom(values: { timezone?: string; holidays?: string }, command: string, base?: CalendarJson): SiteCalendar | undefined {
  if (values.timezone === undefined && values.holidays === undefined) return undefined;
  try {
    let holidays: string[] = [];
    if (values.holidays !== undefined) {
      const v = values.holidays;
      holidays = existsSync(v) ? parseHolidays(readFileSync(v, 'utf8'), `--holidays ${v}`) : parseHolidays(v, '--holidays');
    }
    return new SiteCalendar(values.timezone ?? base?.timeZone ?? 'UTC', [...(base?.holidays ?? []), ...holidays]);
  } catch (err) {
    if (err instanceof CalendarError) throw new CliError(`${command}: ${err.message}`);
    throw err;
  }
}
