// When people are at work: the diurnal and weekly shape of interactive traffic. Times are read
// in UTC (the simulated office keeps UTC).

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** A workstation user's habits: when they arrive and leave, and how busy they are. */
export interface WorkHabits {
  /** hour of day, e.g. 8.25 */
  arrive: number;
  leave: number;
  /** 0.5 … 1.5: this user's share of the office load */
  intensity: number;
}

/** Activity left on a machine nobody is using (updates, telemetry, sync). */
export const IDLE_ACTIVITY = 0.03;
const WEEKEND_FACTOR = 0.12;
const LUNCH_FACTOR = 0.45;

export function isWeekend(ms: number): boolean {
  const dow = new Date(ms).getUTCDay();
  return dow === 0 || dow === 6;
}

export function hourOfDay(ms: number): number {
  return (((ms % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

/** 0 … 1: how likely the user starts something now, relative to their busiest moment. */
export function userActivity(ms: number, habits: WorkHabits): number {
  const h = hourOfDay(ms);
  const ramp = 0.5;
  let present = 0;
  if (h > habits.arrive - ramp && h < habits.leave + ramp) {
    present = Math.min(1, (h - habits.arrive + ramp) / (2 * ramp), (habits.leave + ramp - h) / (2 * ramp));
  }
  if (h >= 12 && h < 13) present *= LUNCH_FACTOR;
  let a = Math.max(IDLE_ACTIVITY, present);
  if (isWeekend(ms)) a = Math.max(IDLE_ACTIVITY, a * WEEKEND_FACTOR);
  return a;
}

/** 0 … 1 for the office as a whole (shared services such as printing follow it). */
export function officeActivity(ms: number): number {
  return userActivity(ms, { arrive: 8.5, leave: 17.5, intensity: 1 });
}
