// Time slots of the seasonal baseline, in UTC: hour of the week (Monday 00:00 = 0) and hour of day.
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
export const HOURS_PER_WEEK = 168;
export const HOURS_PER_DAY = 24;

export function hourOfDay(ms: number): number {
  return Math.floor((((ms % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}

export function hourOfWeek(ms: number): number {
  // 1970-01-01 was a Thursday: three days before it was Monday.
  return Math.floor(((((ms + 3 * DAY_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS) / HOUR_MS);
}

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function describeSlot(kind: 'hour-of-week' | 'hour-of-day' | 'all', ms: number): string {
  if (kind === 'all') return 'at any time';
  const h = hourOfDay(ms);
  const hh = `${String(h).padStart(2, '0')}:00–${String((h + 1) % 24).padStart(2, '0')}:00 UTC`;
  if (kind === 'hour-of-day') return `at ${hh}`;
  return `on ${DAY_NAMES[Math.floor(hourOfWeek(ms) / 24)]} ${hh}`;
}
