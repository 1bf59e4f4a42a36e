import { describe, expect, it } from 'vitest';
import { DIRECTIONS, SERVICES, WINDOW_STATS_VERSION, emptyWindowStats } from '../../capture/index.ts';

describe('emptyWindowStats', () => {
  it('has every direction and service at zero, and the current version', () => {
    const w = emptyWindowStats('s1', 1_000, 1_000);
    expect(w.version).toBe(WINDOW_STATS_VERSION);
    expect(Object.keys(w.directions).sort()).toEqual([...DIRECTIONS].sort());
    expect(Object.keys(w.services).sort()).toEqual([...SERVICES].sort());
    for (const d of DIRECTIONS) expect(Object.values(w.directions[d]).every((v) => v === 0)).toBe(true);
  });
});
