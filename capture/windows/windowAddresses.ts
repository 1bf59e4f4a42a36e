// The addresses a window has seen as peers, one table entry per address, so that a packet from a
// new peer costs one probe: the entry carries the address's membership in the four per-direction
// distinct-host counts, its remote-endpoint entry, and the first local host it was a peer of.
// Open addressing (linear probing); 16 bytes a slot (key, then two 32-bit fields), so a flood of
// new addresses costs one cache line per packet. Cleared and reused by the next window without
// garbage; clearing costs what the members cost to add.
import { numberHash } from '../structures/numberSet.ts';
import type { LocalHostAccumulator } from './endpointAccumulators.ts';

/** slot i: Float64 [2i] = key + 1 (0 = free); Int32 [4i + 2] = INFO, [4i + 3] = FIRST_HOST */
const INFO = 2;
const FIRST_HOST = 3;
/** INFO: bits 0–3 the direction codes counting the address, then the remote-endpoint state */
const DIR_BITS = 16;
const REMOTE_UNSEEN = 0;
const REMOTE_UNTRACKED = 1;
/** the largest remote-endpoint index INFO can hold */
export const MAX_REMOTES = 2 ** 26;

export class WindowAddresses {
  private keys!: Float64Array;
  private ints!: Int32Array;
  /** the slots in use, in insertion order, so that clear() can empty just those */
  private used!: Int32Array;
  private mask = 0;
  size = 0;
  /** distinct addresses counted per direction code */
  readonly directionCounts = new Float64Array(4);
  /** the last two lookups: a packet asks for the same one or two addresses several times */
  private memoKey0 = -1;
  private memoSlot0 = -1;
  private memoKey1 = -1;
  private memoSlot1 = -1;

  /** `limit`: addresses held per window; later ones are not counted (the counts become lower bounds) */
  constructor(private readonly limit: number) {
    this.allocate(16);
  }

  /** The slot of `key`, added on first sight; -1 when the window holds `limit` addresses and not this one. */
  slot(key: number): number {
    if (key === this.memoKey0) return this.memoSlot0;
    if (key === this.memoKey1) return this.memoSlot1;
    const keys = this.keys;
    const mask = this.mask;
    const tagged = key + 1;
    let i = numberHash(key) & mask;
    let s = keys[2 * i]!;
    while (s !== 0) {
      if (s === tagged) return this.remember(key, i);
      i = (i + 1) & mask;
      s = keys[2 * i]!;
    }
    if (this.size >= this.limit) return -1;
    keys[2 * i] = tagged;
    this.ints[4 * i + INFO] = 0;
    this.ints[4 * i + FIRST_HOST] = -1;
    this.used[this.size] = i;
    if (++this.size * 2 > mask + 1) {
      this.grow();
      return this.slot(key);
    }
    return this.remember(key, i);
  }

  private remember(key: number, slot: number): number {
    this.memoKey1 = this.memoKey0;
    this.memoSlot1 = this.memoSlot0;
    this.memoKey0 = key;
    this.memoSlot0 = slot;
    return slot;
  }

  /** Counts address `key` once for direction code `dir`. */
  countDirection(key: number, dir: number): void {
    const slot = this.slot(key);
    if (slot < 0) return;
    const at = 4 * slot + INFO;
    const info = this.ints[at]!;
    const bit = 1 << dir;
    if ((info & bit) !== 0) return;
    this.ints[at] = info | bit;
    this.directionCounts[dir]!++;
  }

  /**
   * Counts address `key` once as a peer of local host `host` (index `hostIndex`). The first host an
   * address is a peer of is recorded in its entry; other hosts keep it in their own set.
   */
  addPeer(key: number, hostIndex: number, host: LocalHostAccumulator): void {
    const slot = this.slot(key);
    if (slot >= 0) {
      const at = 4 * slot + FIRST_HOST;
      const first = this.ints[at]!;
      if (first === hostIndex) return;
      if (first < 0) {
        this.ints[at] = hostIndex;
        host.peersInline++;
        return;
      }
    }
    host.peerSet.add(key);
  }

  /** The remote-endpoint index of the address in `slot`: ≥ 0, -1 = not tracked, -2 = not looked up yet. */
  remote(slot: number): number {
    if (slot < 0) return -1;
    const state = Math.floor(this.ints[4 * slot + INFO]! / DIR_BITS);
    return state === REMOTE_UNSEEN ? -2 : state === REMOTE_UNTRACKED ? -1 : state - 2;
  }

  /** Records the remote-endpoint index (≥ 0, or -1 = not tracked) of the address in `slot`. */
  setRemote(slot: number, index: number): void {
    const at = 4 * slot + INFO;
    this.ints[at] = (this.ints[at]! & (DIR_BITS - 1)) + DIR_BITS * (index + 2);
  }

  /** The addresses counted for direction code `dir`, in the order they were added. */
  directionKeys(dir: number): number[] {
    const out: number[] = [];
    if (this.directionCounts[dir] === 0) return out;
    const bit = 1 << dir;
    for (let j = 0; j < this.size; j++) {
      const slot = this.used[j]!;
      if ((this.ints[4 * slot + INFO]! & bit) !== 0) out.push(this.keys[2 * slot]! - 1);
    }
    return out;
  }

  /** Empties the table, keeping its memory for the next window. */
  clear(): void {
    this.directionCounts.fill(0);
    this.memoKey0 = this.memoKey1 = -1;
    const n = this.size;
    if (n === 0) return;
    const keys = this.keys;
    // a well-filled table is cleared faster in one sweep than slot by slot
    if (n * 32 > keys.length) {
      keys.fill(0);
    } else {
      const used = this.used;
      for (let j = 0; j < n; j++) keys[2 * used[j]!] = 0;
    }
    this.size = 0;
  }

  private allocate(cap: number): void {
    const buf = new ArrayBuffer(cap * 16);
    this.keys = new Float64Array(buf);
    this.ints = new Int32Array(buf);
    this.used = new Int32Array(cap / 2 + 1);
    this.mask = cap - 1;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldInts = this.ints;
    const oldUsed = this.used;
    // four times the slots: a table that outgrows its first slots usually keeps growing (a scan,
    // a flood), and each growth rehashes every member into fresh memory
    this.allocate((this.mask + 1) * 4);
    const keys = this.keys;
    const ints = this.ints;
    const mask = this.mask;
    for (let j = 0; j < this.size; j++) {
      const from = oldUsed[j]!;
      const tagged = oldKeys[2 * from]!;
      let i = numberHash(tagged - 1) & mask;
      while (keys[2 * i] !== 0) i = (i + 1) & mask;
      keys[2 * i] = tagged;
      ints[4 * i + INFO] = oldInts[4 * from + INFO]!;
      ints[4 * i + FIRST_HOST] = oldInts[4 * from + FIRST_HOST]!;
      this.used[j] = i;
    }
    this.memoKey0 = this.memoKey1 = -1;
  }
}
