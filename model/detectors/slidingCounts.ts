// Shared mechanism of the detectors that count new items over nested horizons (scans: ports or
// targets per initiator; DNS names per client and domain): groups of items, an item counting when
// it is new to its group — not touched within the memory (the longest horizon) — and the counts
// being the new items within each horizon.

/** The counting part of a group; a detector's own group type adds what it needs to report. */
export interface NewItems<K> {
  /** item → last time touched (Map order = last-touched order); null until a second item arrives */
  items: Map<K, number> | null;
  /** the only item while there is one (most groups never get a second: a host's one port to a server) */
  only: K | undefined;
  onlyAt: number;
  /** first-touch times of items new to the group, ascending, from `head` on */
  arrivals: number[];
  head: number;
  /** where the group is filed, and its slot in the least-recently-used list (kept by NewItemCounter) */
  space: number;
  outer: string;
  inner: string | number;
  slot: number;
}

/** The counting fields of a new group, to spread into a detector's group. */
export function emptyItems<K>(): NewItems<K> {
  return { items: null, only: undefined, onlyAt: 0, arrivals: [], head: 0, space: 0, outer: '', inner: 0, slot: -1 };
}

export interface NewItemLimits {
  /** separate key spaces (e.g. vertical and horizontal scans); the cap and the order are shared */
  spaces: number;
  /** sliding horizons, shortest first; the last is how long an item is remembered */
  horizonsMs: readonly number[];
  /** items remembered per group; beyond it the least recently touched are forgotten */
  maxItemsPerGroup: number;
  /** groups remembered; beyond it the least recently used are forgotten */
  maxGroups: number;
}

/**
 * Groups filed by (space, outer key, inner key) — two lookups of strings the window already holds
 * rather than a composed key per item —, least recently used forgotten first. The use order is a
 * doubly linked list of slot numbers in two typed arrays: moving a group to the front touches
 * those arrays, not its neighbours' objects. Per window: `begin`,
 * then `use`/`add` and `touch` for every item seen, then `end`, which returns the groups that got
 * a new item in the window (a count can only have grown there); `counts` gives their new items per
 * horizon.
 */
export class NewItemCounter<K, G extends NewItems<K>> {
  private readonly spaces: Array<Map<string, Map<string | number, G>>> = [];
  private size = 0;
  /** the group in each slot; slots of forgotten groups are reused */
  private readonly slots: Array<G | undefined> = [];
  private readonly free: number[] = [];
  /** per slot: the next older and the next newer slot (-1: none) */
  private older = new Int32Array(1024);
  private newer = new Int32Array(1024);
  /** least and most recently used slots (-1: none) */
  private oldest = -1;
  private newest = -1;
  private readonly touched = new Set<G>();
  private readonly memoryMs: number;

  constructor(private readonly limits: NewItemLimits) {
    this.memoryMs = limits.horizonsMs[limits.horizonsMs.length - 1]!;
    for (let i = 0; i < limits.spaces; i++) this.spaces.push(new Map());
  }

  begin(): void {
    this.touched.clear();
  }

  /** The group filed under the keys, now the most recently used; undefined when there is none (`add` it). */
  use(space: number, outer: string, inner: string | number): G | undefined {
    const g = this.spaces[space]!.get(outer)?.get(inner);
    if (g && g.slot !== this.newest) {
      this.unlink(g.slot);
      this.link(g.slot);
    }
    return g;
  }

  add(space: number, outer: string, inner: string | number, g: G): G {
    const s = this.spaces[space]!;
    let m = s.get(outer);
    if (!m) {
      m = new Map();
      s.set(outer, m);
    }
    m.set(inner, g);
    g.space = space;
    g.outer = outer;
    g.inner = inner;
    g.slot = this.free.pop() ?? this.slots.length;
    if (g.slot === this.older.length) {
      this.older = grown(this.older);
      this.newer = grown(this.newer);
    }
    this.slots[g.slot] = g;
    this.link(g.slot);
    this.size++;
    return g;
  }

  /** Records `item` as touched at `ts`; true when it is new to the group (an arrival). */
  touch(g: G, item: K, ts: number): boolean {
    let seen: number | undefined;
    if (g.items === null) {
      if (g.only === undefined) {
        g.only = item;
        g.onlyAt = ts;
      } else if (g.only === item) {
        seen = g.onlyAt;
        g.onlyAt = ts;
      } else {
        g.items = new Map([[g.only, g.onlyAt], [item, ts]]);
        g.only = undefined;
      }
    } else {
      seen = g.items.get(item);
      g.items.delete(item);
      g.items.set(item, ts);
    }
    if (seen !== undefined && ts - seen <= this.memoryMs) return false;
    this.touched.add(g);
    if (g.items !== null && g.items.size > this.limits.maxItemsPerGroup) g.items.delete(g.items.keys().next().value!);
    // a group's first arrival: a one-element list, not the room a push makes for sixteen (most groups get no second)
    if (g.arrivals.length === 0) {
      g.arrivals = [ts];
      g.head = 0;
      return true;
    }
    // items within a window are not always in time order (flows carry their own start times)
    const a = g.arrivals;
    let i = a.length;
    while (i > g.head && a[i - 1]! > ts) i--;
    if (i === a.length) a.push(ts);
    else a.splice(i, 0, ts);
    return true;
  }

  /** Ends the window at `now`: forgets the groups beyond the cap and the items past the memory;
   * returns the groups that got a new item in the window. */
  end(now: number): ReadonlySet<G> {
    while (this.size > this.limits.maxGroups) this.evictOldest();
    for (const g of this.touched) this.forget(g, now);
    return this.touched;
  }

  /** New items per horizon as of `now` (a horizon shorter than the window is the window). */
  counts(g: G, now: number, windowMs: number): number[] {
    const h = this.limits.horizonsMs;
    const out = new Array<number>(h.length);
    for (let k = 0; k < h.length; k++) out[k] = countSince(g, now - Math.max(h[k]!, windowMs));
    return out;
  }

  /** The group's most recently touched items, newest first. */
  static recentItems<K>(g: NewItems<K>, n: number): K[] {
    if (g.items === null) return g.only === undefined ? [] : [g.only];
    return [...g.items.keys()].slice(-n).reverse();
  }

  private evictOldest(): void {
    const slot = this.oldest;
    const g = this.slots[slot]!;
    this.unlink(slot);
    this.slots[slot] = undefined;
    this.free.push(slot);
    this.size--;
    const s = this.spaces[g.space]!;
    const m = s.get(g.outer)!;
    m.delete(g.inner);
    if (m.size === 0) s.delete(g.outer);
  }

  private link(slot: number): void {
    this.older[slot] = this.newest;
    this.newer[slot] = -1;
    if (this.newest !== -1) this.newer[this.newest] = slot;
    else this.oldest = slot;
    this.newest = slot;
  }

  private unlink(slot: number): void {
    const o = this.older[slot]!;
    const n = this.newer[slot]!;
    if (o !== -1) this.newer[o] = n;
    else this.oldest = n;
    if (n !== -1) this.older[n] = o;
    else this.newest = o;
  }

  private forget(g: G, now: number): void {
    const a = g.arrivals;
    while (g.head < a.length && a[g.head]! < now - this.memoryMs) g.head++;
    // more remembered arrivals than items (the item cap) add nothing but memory
    if (a.length - g.head > this.limits.maxItemsPerGroup) g.head = a.length - this.limits.maxItemsPerGroup;
    if (g.head > 1024 && g.head * 2 > a.length) {
      g.arrivals = a.slice(g.head);
      g.head = 0;
    }
    if (g.items === null) {
      if (g.only !== undefined && now - g.onlyAt > this.memoryMs) g.only = undefined;
      return;
    }
    for (const [item, at] of g.items) {
      if (now - at <= this.memoryMs) break;
      g.items.delete(item);
    }
  }
}

function grown(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Arrivals at or after `from` (binary search over the ascending tail). */
function countSince(g: NewItems<unknown>, from: number): number {
  const a = g.arrivals;
  let lo = g.head;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return a.length - lo;
}

/**
 * Whether the count over horizon `h` is still being fed: the next shorter horizon holds at least
 * half its share of it. A burst that ended half an hour ago keeps the hour's count high; one new
 * item after it must not read as the same pattern again.
 */
export function sustained(counts: readonly number[], horizonsMs: readonly number[], h: number): boolean {
  if (h === 0) return true;
  return 2 * counts[h - 1]! * horizonsMs[h]! >= counts[h]! * horizonsMs[h - 1]!;
}
