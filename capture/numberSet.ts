// A set of non-negative integers below 2^53 (address keys, ports) for distinct counts per window:
// open addressing over one Float64Array holding (generation stamp, key) pairs side by side, so a
// probe touches one cache line; cleared in O(1) by bumping the generation, so a window's sets are
// reused by the next window without garbage.

/** Slot hash of a non-negative integer below 2^53 (shared with NumberIndex). */
export function numberHash(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 0x1_0000_0000) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2f), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

export class NumberSet {
  /** slot i: [2i] generation stamp (0 = never used), [2i + 1] key */
  private slots: Float64Array;
  private generation = 1;
  private mask: number;
  size = 0;

  constructor(private readonly limit: number, initialCapacity = 16) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.slots = new Float64Array(cap * 2);
    this.mask = cap - 1;
  }

  /** Adds `key` unless the set already holds `limit` members (then the size is a lower bound). */
  add(key: number): void {
    const slots = this.slots;
    const gen = this.generation;
    const mask = this.mask;
    let i = numberHash(key) & mask;
    while (slots[2 * i] === gen) {
      if (slots[2 * i + 1] === key) return;
      i = (i + 1) & mask;
    }
    if (this.size >= this.limit) return;
    slots[2 * i] = gen;
    slots[2 * i + 1] = key;
    if (++this.size * 2 > mask + 1) this.grow();
  }

  has(key: number): boolean {
    const slots = this.slots;
    const gen = this.generation;
    let i = numberHash(key) & this.mask;
    while (slots[2 * i] === gen) {
      if (slots[2 * i + 1] === key) return true;
      i = (i + 1) & this.mask;
    }
    return false;
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
    // four times the slots: a set that outgrows its first 16 slots usually keeps growing (a scan, a
    // flood), and each growth rehashes every member into fresh memory
    const cap = old.length * 2;
    const slots = new Float64Array(cap * 2);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j] !== gen) continue;
      const key = old[j + 1]!;
      let i = numberHash(key) & mask;
      while (slots[2 * i] === gen) i = (i + 1) & mask;
      slots[2 * i] = gen;
      slots[2 * i + 1] = key;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
