// A set of non-negative integers below 2^53 (address keys, ports) for distinct counts per window:
// open addressing over typed arrays, cleared in O(1) by a generation stamp, so a window's sets are
// reused by the next window without garbage.

export class NumberSet {
  private keys: Float64Array;
  private stamps: Uint32Array;
  private generation = 1;
  private mask: number;
  size = 0;

  constructor(private readonly limit: number, initialCapacity = 16) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.keys = new Float64Array(cap);
    this.stamps = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  private static hash(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 0x1_0000_0000) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2f), 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    return (h ^ (h >>> 13)) >>> 0;
  }

  /** Adds `key` unless the set already holds `limit` members (then the size is a lower bound). */
  add(key: number): void {
    const stamps = this.stamps;
    const keys = this.keys;
    const gen = this.generation;
    let i = NumberSet.hash(key) & this.mask;
    while (stamps[i] === gen) {
      if (keys[i] === key) return;
      i = (i + 1) & this.mask;
    }
    if (this.size >= this.limit) return;
    stamps[i] = gen;
    keys[i] = key;
    if (++this.size * 2 > this.keys.length) this.grow();
  }

  has(key: number): boolean {
    let i = NumberSet.hash(key) & this.mask;
    while (this.stamps[i] === this.generation) {
      if (this.keys[i] === key) return true;
      i = (i + 1) & this.mask;
    }
    return false;
  }

  clear(): void {
    this.size = 0;
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldStamps = this.stamps;
    const gen = this.generation;
    const cap = oldKeys.length * 2;
    this.keys = new Float64Array(cap);
    this.stamps = new Uint32Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      if (oldStamps[j] !== gen) continue;
      const key = oldKeys[j]!;
      let i = NumberSet.hash(key) & this.mask;
      while (this.stamps[i] === gen) i = (i + 1) & this.mask;
      this.stamps[i] = gen;
      this.keys[i] = key;
    }
  }
}
