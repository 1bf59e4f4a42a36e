// A map from non-negative integers below 2^53 (address keys) to list positions, for the hosts and
// remote endpoints of a window. Replaces Map<number, number>: addresses above 2^31 are heap numbers
// as Map keys, and a miss (every packet of a new remote once a window tracks its maximum) costs a
// full hash lookup. Open addressing over one Float64Array of (stamp, key, value) triples, cleared
// in O(1) by bumping the generation.
import { numberHash } from './numberSet.ts';

const STRIDE = 3;

export class NumberIndex {
  /** slot i: [3i] generation stamp (0 = never used), [3i + 1] key, [3i + 2] value */
  private slots: Float64Array;
  private generation = 1;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 16) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.slots = new Float64Array(cap * STRIDE);
    this.mask = cap - 1;
  }

  /** The value stored for `key`, or -1. */
  get(key: number): number {
    const slots = this.slots;
    const gen = this.generation;
    const mask = this.mask;
    let i = numberHash(key) & mask;
    while (slots[STRIDE * i] === gen) {
      if (slots[STRIDE * i + 1] === key) return slots[STRIDE * i + 2]!;
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** Stores `value` (≥ 0) for a `key` not yet present. */
  insert(key: number, value: number): void {
    const slots = this.slots;
    const gen = this.generation;
    const mask = this.mask;
    let i = numberHash(key) & mask;
    while (slots[STRIDE * i] === gen) i = (i + 1) & mask;
    slots[STRIDE * i] = gen;
    slots[STRIDE * i + 1] = key;
    slots[STRIDE * i + 2] = value;
    if (++this.size * 2 > mask + 1) this.grow();
  }

  clear(): void {
    this.size = 0;
    if (++this.generation === 0xffffffff) {
      this.slots.fill(0);
      this.generation = 1;
    }
  }

  private grow(): void {
    const old = this.slots;
    const gen = this.generation;
    // four times the slots: fewer rehashes, and a full window (4,096 remote endpoints) stays at a
    // load that keeps the misses of every later new endpoint short
    const cap = (this.mask + 1) * 4;
    const slots = new Float64Array(cap * STRIDE);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += STRIDE) {
      if (old[j] !== gen) continue;
      let i = numberHash(old[j + 1]!) & mask;
      while (slots[STRIDE * i] === gen) i = (i + 1) & mask;
      slots[STRIDE * i] = gen;
      slots[STRIDE * i + 1] = old[j + 1]!;
      slots[STRIDE * i + 2] = old[j + 2]!;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
