// A single-producer, single-consumer ring of records in shared memory: the dispatcher writes each
// packet it reads once into the ring of the shard that counts it, and the shard's worker decodes it
// in place. Records are 8-byte aligned: a header (ShardRecord's fields) and the packet's bytes;
// a record never wraps (the rest of the ring is skipped instead). Positions are byte counts modulo
// 2^32; the producer publishes its position in batches, and either side sleeps on the other's
// position (Atomics.wait) only when the ring is empty or full.
import type { PacketRecord } from '../packet.ts';

/** control words: the producer's and the consumer's positions, and who is asleep */
const WRITE = 0;
const READ = 1;
const CONSUMER_ASLEEP = 2;
const PRODUCER_ASLEEP = 3;
/** record header: Int32 words, then Float64 words from byte 32 */
const HEADER_BYTES = 72;
const I_LENGTH = 0;
const I_KIND = 1;
const I_CAP_LEN = 2;
const I_ORIG_LEN = 3;
const I_LINK_TYPE = 4;
const I_IFACE = 5;
const I_TS_NSEC = 6;
const I_MARKER = 7;
const F_TS_SEC = 4;
const F_SEQ = 5;
const F_WINDOW = 6;
const F_CLOCK = 7;
const F_CLOSE_BEFORE = 8;
/** the length word of the filler that skips to the ring's start */
const WRAP = -1;
/** records written before the producer publishes them without being asked */
const PUBLISH_EVERY = 64;
/** a consumer that reads nothing for this long while the ring is full is taken for dead */
const STALLED_MS = 60_000;

export const RECORD_PACKET = 0;
/** closes the shard's windows before `closeBefore` (no packet) */
export const RECORD_CLOSE = 1;
/** the end of the input */
export const RECORD_END = 2;

/** What the dispatcher tells a shard with each record. */
export interface ShardRecordInfo {
  kind: number;
  /** packet sequence number in the capture */
  seq: number;
  /** the window the packet counts in */
  window: number;
  /** the latest packet time (ms) of the other shards' IP packets since this shard's last record, -Infinity if none: its flows expire by it */
  clockMs: number;
  /** close the windows before this index once the packet is in the flow table (NaN: none) */
  closeBefore: number;
  /** the close's number, which the shard's answer names */
  marker: number;
}

/** The shared memory of one ring, to hand to a worker. */
export interface ShardRingMemory {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

export function allocateShardRing(bytes: number): ShardRingMemory {
  let size = 1 << 16;
  while (size < bytes) size *= 2;
  return { control: new SharedArrayBuffer(16), data: new SharedArrayBuffer(size) };
}

function padded(n: number): number {
  return (n + 7) & ~7;
}

export class ShardRingWriter {
  private readonly ctl: Int32Array;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly u8: Uint8Array;
  private readonly mask: number;
  private readonly size: number;
  /** the position after the last record written (published or not) */
  private pos = 0;
  private unpublished = 0;

  constructor(memory: ShardRingMemory) {
    this.ctl = new Int32Array(memory.control);
    this.i32 = new Int32Array(memory.data);
    this.f64 = new Float64Array(memory.data);
    this.u8 = new Uint8Array(memory.data);
    this.size = memory.data.byteLength;
    this.mask = this.size - 1;
  }

  /** Writes one record (the packet's bytes when `rec` is given); publishes every few records. */
  write(info: ShardRecordInfo, rec: PacketRecord | null): void {
    const capLen = rec === null ? 0 : rec.capLen;
    const need = HEADER_BYTES + padded(capLen);
    if (need > this.size / 2) throw new Error(`a ${capLen}-byte packet does not fit the shard ring of ${this.size} bytes`);
    let off = this.pos & this.mask;
    const tillEnd = this.size - off;
    if (tillEnd < need) {
      this.reserve(tillEnd + need);
      this.i32[off >> 2] = WRAP;
      this.pos = (this.pos + tillEnd) | 0;
      off = 0;
    } else {
      this.reserve(need);
    }
    const i = off >> 2;
    const f = off >> 3;
    const i32 = this.i32;
    const f64 = this.f64;
    i32[i + I_LENGTH] = need;
    i32[i + I_KIND] = info.kind;
    i32[i + I_MARKER] = info.marker;
    f64[f + F_SEQ] = info.seq;
    f64[f + F_WINDOW] = info.window;
    f64[f + F_CLOCK] = info.clockMs;
    f64[f + F_CLOSE_BEFORE] = info.closeBefore;
    if (rec !== null) {
      i32[i + I_CAP_LEN] = capLen;
      i32[i + I_ORIG_LEN] = rec.origLen;
      i32[i + I_LINK_TYPE] = rec.linkType;
      i32[i + I_IFACE] = rec.iface;
      i32[i + I_TS_NSEC] = rec.tsNsec;
      f64[f + F_TS_SEC] = rec.tsSec;
      this.u8.set(rec.buffer.subarray(rec.offset, rec.offset + capLen), off + HEADER_BYTES);
    }
    this.pos = (this.pos + need) | 0;
    if (++this.unpublished >= PUBLISH_EVERY) this.publish();
  }

  /**
   * Makes every record written so far visible to the consumer. A sleeping consumer is woken once
   * an eighth of the ring waits for it, or when `wake` (the end of a batch of input): a consumer
   * woken for every few packets would spend more on waking than on the packets.
   */
  publish(wake = false): void {
    if (this.unpublished > 0) {
      this.unpublished = 0;
      Atomics.store(this.ctl, WRITE, this.pos);
    }
    if (Atomics.load(this.ctl, CONSUMER_ASLEEP) === 1
      && (wake || ((this.pos - Atomics.load(this.ctl, READ)) >>> 0) >= this.size / 8)) Atomics.notify(this.ctl, WRITE);
  }

  /** Waits until `bytes` more fit; throws when the consumer has read nothing for STALLED_MS. */
  private reserve(bytes: number): void {
    const ctl = this.ctl;
    let waitedMs = 0;
    let lastRead = Atomics.load(ctl, READ);
    for (;;) {
      const read = Atomics.load(ctl, READ);
      if (this.size - ((this.pos - read) >>> 0) >= bytes) return;
      this.publish(true);
      if (read !== lastRead) {
        lastRead = read;
        waitedMs = 0;
      } else if (waitedMs >= STALLED_MS) {
        throw new Error(`the capture worker of a shard has read nothing for ${STALLED_MS / 1000} s: it stopped or hangs`);
      }
      Atomics.store(ctl, PRODUCER_ASLEEP, 1);
      if (Atomics.load(ctl, READ) === read) Atomics.wait(ctl, READ, read, 50);
      Atomics.store(ctl, PRODUCER_ASLEEP, 0);
      waitedMs += 50;
    }
  }
}

/** The consumer's side: reads records in place into a reused packet record. */
export class ShardRingReader {
  private readonly ctl: Int32Array;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly bytes: Uint8Array;
  private readonly mask: number;
  private readonly size: number;
  /** the end of the record handed out last (done with once next() is called again) */
  private pos = 0;
  private published = 0;
  private readSinceRelease = 0;

  constructor(memory: ShardRingMemory) {
    this.ctl = new Int32Array(memory.control);
    this.i32 = new Int32Array(memory.data);
    this.f64 = new Float64Array(memory.data);
    this.bytes = new Uint8Array(memory.data);
    this.size = memory.data.byteLength;
    this.mask = this.size - 1;
  }

  /**
   * The next record: fills `info` and, for a packet, `rec` (its bytes stay in the ring until the
   * next call). Sleeps while the ring is empty.
   */
  next(info: ShardRecordInfo, rec: PacketRecord): void {
    // the record handed out last time is done with: its space can go back
    if (++this.readSinceRelease >= PUBLISH_EVERY) this.release();
    while (this.pos === this.published) {
      this.release();
      this.published = Atomics.load(this.ctl, WRITE);
      if (this.pos !== this.published) break;
      Atomics.store(this.ctl, CONSUMER_ASLEEP, 1);
      if (Atomics.load(this.ctl, WRITE) === this.pos) Atomics.wait(this.ctl, WRITE, this.pos, 100);
      Atomics.store(this.ctl, CONSUMER_ASLEEP, 0);
    }
    let off = this.pos & this.mask;
    if (this.i32[off >> 2] === WRAP) {
      this.pos = (this.pos + (this.mask + 1 - off)) | 0;
      off = 0;
    }
    const i = off >> 2;
    const f = off >> 3;
    const need = this.i32[i + I_LENGTH]!;
    info.kind = this.i32[i + I_KIND]!;
    info.marker = this.i32[i + I_MARKER]!;
    info.seq = this.f64[f + F_SEQ]!;
    info.window = this.f64[f + F_WINDOW]!;
    info.clockMs = this.f64[f + F_CLOCK]!;
    info.closeBefore = this.f64[f + F_CLOSE_BEFORE]!;
    if (info.kind === RECORD_PACKET) {
      rec.capLen = this.i32[i + I_CAP_LEN]!;
      rec.origLen = this.i32[i + I_ORIG_LEN]!;
      rec.linkType = this.i32[i + I_LINK_TYPE]!;
      rec.iface = this.i32[i + I_IFACE]!;
      rec.tsNsec = this.i32[i + I_TS_NSEC]!;
      rec.tsSec = this.f64[f + F_TS_SEC]!;
      rec.buffer = this.bytes;
      rec.offset = off + HEADER_BYTES;
    }
    this.pos = (this.pos + need) | 0;
  }

  /**
   * Hands the space of the records done with back to the producer, and wakes it when it sleeps on
   * a full ring once a quarter of the ring is free: woken for every few records, it would fill
   * them and sleep again, two system calls for each few packets.
   */
  private release(): void {
    this.readSinceRelease = 0;
    Atomics.store(this.ctl, READ, this.pos);
    if (Atomics.load(this.ctl, PRODUCER_ASLEEP) === 1 && ((this.published - this.pos) >>> 0) <= (this.size * 3) / 4) {
      Atomics.notify(this.ctl, READ);
    }
  }
}
