// NumberSet against JavaScript's Set: adds, lookups, growth, the member limit, and reuse after
// clear() (both the slot-by-slot and the sweeping clear).
import { describe, expect, it } from 'vitest';
import { NumberSet } from '../../capture/structures/numberSet.ts';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x;
  };
}

describe('NumberSet', () => {
  it('agrees with Set over many windows of very different sizes', () => {
    const next = rng(7);
    const set = new NumberSet(1 << 20);
    let checked = 0;
    for (let window = 0; window < 60; window++) {
      const ref = new Set<number>();
      // a burst now and then, small windows otherwise, so clear() runs both ways on a grown table
      const adds = window % 10 === 3 ? 50_000 : next() % 300;
      const range = window % 2 === 0 ? 1_000 : 2 ** 53 - 2;
      for (let i = 0; i < adds; i++) {
        const key = range < 2 ** 32 ? next() % range : (next() * 2 ** 21 + (next() % 2 ** 21)) % range;
        set.add(key);
        ref.add(key);
      }
      expect(set.size).toBe(ref.size);
      for (const k of ref) if (!set.has(k)) throw new Error(`window ${window}: member ${k} missing`);
      for (let i = 0; i < 200; i++) {
        const probe = next() % 5_000 + 1_000;
        expect(set.has(probe)).toBe(ref.has(probe));
        checked++;
      }
      set.clear();
      expect(set.size).toBe(0);
      for (const k of [...ref].slice(0, 50)) expect(set.has(k)).toBe(false);
    }
    expect(checked).toBe(60 * 200);
  });

  it('0 and the largest safe key are members like any other; the limit makes the size a lower bound', () => {
    const s = new NumberSet(3);
    s.add(0);
    s.add(2 ** 53 - 1);
    s.add(0);
    expect(s.size).toBe(2);
    expect(s.has(0)).toBe(true);
    expect(s.has(2 ** 53 - 1)).toBe(true);
    s.add(5);
    s.add(6);
    expect(s.size).toBe(3);
    expect(s.has(6)).toBe(false);
  });
});
