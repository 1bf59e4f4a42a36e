// A set of non-negative integers below 2^53 (address keys, ports) for distinct counts per window:
// open addressing (linear probing) over one Float64Array of keys. A window's sets are cleared and
// reused by the next window without garbage; clearing costs what the members cost to add.

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
  /** slot i holds key + 1, or 0 when free: 8 bytes a slot, so a large set stays small in cache */
  private slots: Float64Array;
  /** the slots in use, in insertion order, so that clear() can empty just those */
  private used: Int32Array;
  private mask: number;
  size = 0;

  constructor(private readonly limit: number, initialCapacity = 16) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.slots = new Float64Array(cap);
    this.used = new Int32Array(cap / 2 + 1);
    this.mask = cap - 1;
  }

  /** Adds `key` unless the set already holds `limit` members (then the size is a lower bound). */
  add(key: number): void {
    const slots = this.slots;
    const mask = this.mask;
    const tagged = key + 1;
    let i = numberHash(key) & mask;
    let s = slots[i]!;
    while (s !== 0) {
      if (s === tagged) return;
      i = (i + 1) & mask;
      s = slots[i]!;
    }
    if (this.size >= this.limit) return;
    slots[i] = tagged;
    this.used[this.size] = i;
    if (++this.size * 2 > mask + 1) this.grow();
  }

  has(key: number): boolean {
    const slots = this.slots;
    const tagged = key + 1;
    let i = numberHash(key) & this.mask;
    let s = slots[i]!;
    while (s !== 0) {
      if (s === tagged) return true;
      i = (i + 1) & this.mask;
      s = slots[i]!;
    }
    return false;
  }

  /** The members, in the order they were added. */
  values(): number[] {
    const out = new Array<number>(this.size);
    for (let j = 0; j < this.size; j++) out[j] = this.slots[this.used[j]!]! - 1;
    return out;
  }

  /** Empties the set, keeping its memory for the next window. */
  clear(): void {
    const n = this.size;
    if (n === 0) return;
    const slots = this.slots;
    // a well-filled table is cleared faster in one sweep than slot by slot
    if (n * 16 > slots.length) {
      slots.fill(0);
    } else {
      const used = this.used;
      for (let j = 0; j < n; j++) slots[used[j]!] = 0;
    }
    this.size = 0;
  }

  private grow(): void {
    const old = this.slots;
    const oldUsed = this.used;
    // four times the slots: a set that outgrows its first 16 slots usually keeps growing (a scan, a
    // flood), and each growth rehashes every member into fresh memory
    const cap = old.length * 4;
    const slots = new Float64Array(cap);
    const used = new Int32Array(cap / 2 + 1);
    const mask = cap - 1;
    for (let j = 0; j < this.size; j++) {
      const tagged = old[oldUsed[j]!]!;
      let i = numberHash(tagged - 1) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = tagged;
      used[j] = i;
    }
    this.slots = slots;
    this.used = used;
    this.mask = mask;
  }
}
