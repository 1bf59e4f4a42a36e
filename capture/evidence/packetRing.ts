// The bounded ring of recent packets behind the evidence pcaps: every packet is copied once into
// one preallocated buffer, as a record [length, tsSec, tsNsec, capLen, origLen, linkType] + bytes,
// aligned to 4 bytes. The oldest records give way when the buffer is full or when they are older
// than the time window (on packet time). Positions are absolute byte counts, so a reader holding a
// position can tell whether its record has been overwritten since (position < head).
import type { PacketRecord } from '../packet.ts';

export interface PacketRingOptions {
  /** bytes of packet storage (headers included); the buffer is allocated once, up front */
  maxBytes: number;
  /** keep packets this long (ms, packet time) before the newest one */
  windowMs: number;
}

const HEADER = 24;
/** a record length of 0 marks the unused end of the buffer: the next record is at its start */
const WRAP = 0;

export class PacketRing {
  readonly capacity: number;
  private readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  private headPos = 0;
  private tailPos = 0;
  /** headPos and tailPos within the buffer */
  private headAt = 0;
  private tailAt = 0;
  /** packets held now */
  packets = 0;
  /** packets that gave way to newer ones because the buffer was full / because they were older than the window */
  evictedBySize = 0;
  evictedByTime = 0;
  /** packets larger than the whole ring (never held) */
  tooLarge = 0;
  /** packet time (ms) of the newest packet added, -Infinity before the first */
  newestMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: PacketRingOptions) {
    const capacity = Math.floor(opts.maxBytes / 4) * 4;
    if (!(capacity >= 4096)) throw new Error(`the packet ring needs at least 4 KiB (got ${opts.maxBytes} bytes)`);
    if (!(opts.windowMs > 0)) throw new Error(`the packet ring's time window must be longer than 0 ms (got ${opts.windowMs})`);
    this.capacity = capacity;
    const buffer = new ArrayBuffer(capacity);
    this.bytes = new Uint8Array(buffer);
    this.words = new Uint32Array(buffer);
  }

  /** Position of the oldest record held (equal to tail when empty). */
  get head(): number {
    return this.headPos;
  }

  /** Position the next record will be written at. */
  get tail(): number {
    return this.tailPos;
  }

  /** Bytes in use, padding and headers included. */
  get bytesHeld(): number {
    return this.tailPos - this.headPos;
  }

  /**
   * Copies one packet in; the per-packet path. Physical offsets are kept beside the absolute
   * positions so that no division runs per packet; nothing is allocated beyond the view the copy
   * reads through.
   */
  add(rec: PacketRecord): void {
    const capLen = rec.capLen;
    const len = (HEADER + capLen + 3) & ~3;
    const cap = this.capacity;
    if (len > cap) {
      this.tooLarge++;
      return;
    }
    let at = this.tailAt;
    const skip = at + len > cap ? cap - at : 0;
    while (this.tailPos - this.headPos + skip + len > cap && this.headPos < this.tailPos) this.dropHead(true);
    const empty = this.headPos >= this.tailPos;
    if (skip > 0) {
      // the marker survives: a record that would overwrite it first evicted everything
      if (!empty) this.words[at >>> 2] = WRAP;
      this.tailPos += skip;
      at = 0;
    }
    if (empty) {
      this.headPos = this.tailPos;
      this.headAt = at;
    }
    const w = at >>> 2;
    const words = this.words;
    words[w] = len;
    words[w + 1] = rec.tsSec;
    words[w + 2] = rec.tsNsec;
    words[w + 3] = capLen;
    words[w + 4] = rec.origLen;
    words[w + 5] = rec.linkType;
    this.bytes.set(rec.buffer.subarray(rec.offset, rec.offset + capLen), at + HEADER);
    this.tailPos += len;
    at += len;
    this.tailAt = at === cap ? 0 : at;
    this.packets++;
    const ms = rec.tsSec * 1000 + rec.tsNsec / 1e6;
    if (ms > this.newestMs) this.newestMs = ms;
    const oldest = this.newestMs - this.opts.windowMs;
    while (this.headPos < this.tailPos) {
      const h = this.headAt >>> 2;
      if (words[h] !== WRAP && words[h + 1]! * 1000 + words[h + 2]! / 1e6 >= oldest) break;
      this.dropHead(false);
    }
  }

  /** The record at `pos` (skipping the wrap marker), or `tail` when none is left. */
  seek(pos: number): number {
    if (pos < this.headPos) pos = this.headPos;
    if (pos >= this.tailPos) return this.tailPos;
    const at = pos % this.capacity;
    return this.words[at >>> 2] === WRAP ? pos + this.capacity - at : pos;
  }

  /** Packet time (ms) of the record at `pos` (a position seek() returned). */
  timeAt(pos: number): number {
    const w = this.recordWord(pos);
    return this.words[w + 1]! * 1000 + this.words[w + 2]! / 1e6;
  }

  /**
   * Fills `rec` with the record at `pos` (its bytes stay in the ring: valid until the ring
   * overwrites them) and returns the position of the next record.
   */
  read(pos: number, rec: { tsSec: number; tsNsec: number; capLen: number; origLen: number; linkType: number; iface: number; buffer: Uint8Array; offset: number }): number {
    const w = this.recordWord(pos);
    const words = this.words;
    rec.tsSec = words[w + 1]!;
    rec.tsNsec = words[w + 2]!;
    rec.capLen = words[w + 3]!;
    rec.origLen = words[w + 4]!;
    rec.linkType = words[w + 5]!;
    rec.iface = 0;
    rec.buffer = this.bytes;
    rec.offset = (w << 2) + HEADER;
    return this.seek(pos + words[w]!);
  }

  /** The position of the record after the one at `pos`. */
  next(pos: number): number {
    return this.seek(pos + this.words[this.recordWord(pos)]!);
  }

  private recordWord(pos: number): number {
    const at = pos % this.capacity;
    const w = at >>> 2;
    return this.words[w] === WRAP ? 0 : w;
  }

  private dropHead(bySize: boolean): void {
    const at = this.headAt;
    const len = this.words[at >>> 2]!;
    if (len === WRAP) {
      this.headPos += this.capacity - at;
      this.headAt = 0;
      return;
    }
    this.headPos += len;
    const next = at + len;
    this.headAt = next === this.capacity ? 0 : next;
    this.packets--;
    if (bySize) this.evictedBySize++;
    else this.evictedByTime++;
  }
}
