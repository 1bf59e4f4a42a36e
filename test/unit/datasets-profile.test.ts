// The shape of the office day: quiet nights, busy office hours with a lunch dip, quieter weekends;
// and the Poisson arrivals that follow it.
import { describe, expect, it } from 'vitest';
import { arrivals } from '../../datasets/generator/background.ts';
import { IDLE_ACTIVITY, userActivity, type WorkHabits } from '../../datasets/generator/profile.ts';
import { Random } from '../../datasets/generator/random.ts';

const habits: WorkHabits = { arrive: 8.5, leave: 17.5, intensity: 1 };
const MONDAY = Date.UTC(2024, 2, 4);
const SATURDAY = Date.UTC(2024, 2, 9);
const at = (day: number, hour: number): number => day + hour * 3_600_000;

describe('office activity profile', () => {
  it('is idle at night, full in office hours, dips at lunch and is low on weekends', () => {
    expect(userActivity(at(MONDAY, 3), habits)).toBe(IDLE_ACTIVITY);
    expect(userActivity(at(MONDAY, 10), habits)).toBe(1);
    expect(userActivity(at(MONDAY, 12.5), habits)).toBeLessThan(0.5);
    expect(userActivity(at(MONDAY, 8.5), habits)).toBeGreaterThan(0.3);
    expect(userActivity(at(MONDAY, 8.5), habits)).toBeLessThan(1);
    expect(userActivity(at(MONDAY, 21), habits)).toBe(IDLE_ACTIVITY);
    expect(userActivity(at(SATURDAY, 10), habits)).toBeLessThan(0.2);
  });

  it('arrivals follow the profile: many more in office hours than at night', () => {
    const rnd = new Random(1, 'arrivals');
    const times = [...arrivals(rnd, MONDAY * 1000, (MONDAY + 86_400_000) * 1000, 0.05, (ms) => userActivity(ms, habits))];
    const hourOf = (us: number): number => (us / 1000 - MONDAY) / 3_600_000;
    const office = times.filter((t) => hourOf(t) >= 9 && hourOf(t) < 12).length / 3;
    const night = times.filter((t) => hourOf(t) >= 0 && hourOf(t) < 6).length / 6;
    // 0.05/s at full activity is 180 an hour
    expect(office).toBeGreaterThan(150);
    expect(office).toBeLessThan(210);
    expect(night).toBeLessThan(15);
    expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true);
  });
});
