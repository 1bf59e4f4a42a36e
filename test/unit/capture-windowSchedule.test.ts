// The window rule on indexes alone (capture/windows/windowSchedule.ts), which the single pipeline
// and the sharded pipeline's dispatcher both follow.
import { describe, expect, it } from 'vitest';
import { WindowSchedule } from '../../capture/windows/windowSchedule.ts';

function schedule(maxGap = 1_000_000): { s: WindowSchedule; events: string[] } {
  const events: string[] = [];
  const s = new WindowSchedule(1000, 2000, maxGap, {
    close: (i, byClock) => events.push(`close ${i}${byClock ? ' clock' : ''}`),
    gap: (i, byClock) => events.push(`gap ${i}${byClock ? ' clock' : ''}`),
  });
  return { s, events };
}

describe('the window schedule', () => {
  it('keeps the newest window and the one before open; a later packet closes the older ones, gaps emitted empty', () => {
    const { s, events } = schedule();
    expect([s.target(5), s.target(6), s.target(6)]).toEqual([5, 6, 6]);
    expect(events).toEqual([]);
    expect(s.target(7)).toBe(7);
    expect(events).toEqual(['close 5']);
    expect(s.target(11)).toBe(11);
    expect(events).toEqual(['close 5', 'close 6', 'close 7']);
    // the empty windows of a gap go out before the window after them
    s.flushAll();
    expect(events).toEqual(['close 5', 'close 6', 'close 7', 'gap 8', 'gap 9', 'gap 10', 'close 11']);
  });

  it('counts a late packet in its window while open, else in the oldest open window; opens a skipped grace window in order', () => {
    const { s, events } = schedule();
    s.target(5);
    s.target(7); // 5 is older than the grace window: closed; 6 had no packet yet
    expect(events).toEqual(['close 5']);
    expect(s.target(6)).toBe(6); // still within the grace window: opened before 7
    expect(s.target(8)).toBe(8);
    expect(events).toEqual(['close 5', 'close 6']);
    expect(s.target(3)).toBe(7); // too late for its own window: the oldest open one
    s.flushAll();
    expect(events).toEqual(['close 5', 'close 6', 'close 7', 'close 8']);
  });

  it('closes windows on the wall clock and emits the empty ones up to it, bounded by maxGapWindows', () => {
    const { s, events } = schedule(3);
    s.flushIdle(100_000);
    expect(events).toEqual([]); // nothing before the first packet
    s.target(10);
    s.flushIdle(12_999); // window 10 ended at 11,000: closed from 13,000 on
    expect(events).toEqual([]);
    s.flushIdle(13_000);
    expect(events).toEqual(['close 10 clock']);
    s.flushIdle(30_000);
    expect(events).toEqual(['close 10 clock', 'gap 25 clock', 'gap 26 clock', 'gap 27 clock']);
  });
});
