// A reusable read buffer over a ByteInput: records are parsed in place, the unread tail is carried over.
// While the records of one chunk are parsed, the next chunk is already being read into a second
// buffer (read-ahead), a little way in, so that the unread tail of the current chunk can be put in
// front of it: the parser never waits for the disk when the disk keeps up, and nothing is copied but
// that tail.
import type { ByteInput } from './byteInput.ts';

/** What a read-ahead brought: a byte count, or the error the read failed with. */
interface AheadResult {
  n: number;
  error: unknown;
}

export const DEFAULT_CHUNK_BYTES = 2 * 1024 * 1024;
/** No single record or block may need more than this; larger lengths are corrupt. */
export const MAX_RECORD_BUFFER_BYTES = 64 * 1024 * 1024;

export class ChunkBuffer {
  bytes: Uint8Array;
  view: DataView;
  /** next unread byte */
  pos = 0;
  /** end of valid data */
  end = 0;
  /** input offset of bytes[0] */
  base = 0;
  eof = false;
  /** bytes still to discard from the input (a skipped block longer than what was buffered) */
  private skipDebt = 0;
  /** the buffer the read-ahead fills, from `headroom` on */
  private spare: Uint8Array | null = null;
  private ahead: Promise<AheadResult> | null = null;
  /** room kept in front of read-ahead data for the current chunk's unread tail */
  private readonly headroom: number;

  constructor(
    private readonly input: ByteInput,
    size = DEFAULT_CHUNK_BYTES,
    readAhead = true,
  ) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
    this.headroom = readAhead ? Math.min(256 * 1024, Math.floor(size / 4)) : 0;
  }

  get available(): number {
    return this.end - this.pos;
  }

  /** input offset of the next unread byte */
  get offset(): number {
    return this.base + this.pos;
  }

  /** bytes of a skip() that the input ended before providing */
  get skipShortfall(): number {
    return this.eof ? this.skipDebt : 0;
  }

  /** Discards `n` bytes from pos, including bytes not read yet. */
  skip(n: number): void {
    const buffered = this.end - this.pos;
    if (n <= buffered) {
      this.pos += n;
      return;
    }
    this.pos = this.end;
    this.skipDebt += n - buffered;
  }

  /**
   * Makes at least `need` bytes available from pos unless the input ends first (then `eof` is set).
   * Reads as much as fits, so a small `need` still brings in a whole chunk. The buffer grows only
   * while data keeps coming, so a corrupt length near the end of a small input costs no memory.
   */
  async fill(need: number): Promise<void> {
    if (this.ahead !== null) await this.takeAhead();
    if (!this.eof && (this.end - this.pos < need || this.skipDebt > 0)) {
      this.compact();
      while (!this.eof && (this.end - this.pos < need || this.skipDebt > 0)) {
        if (this.end === this.bytes.length) this.grow();
        const n = await this.input.read(this.bytes, this.end, this.bytes.length - this.end);
        if (n === 0) {
          this.eof = true;
          break;
        }
        if (this.skipDebt > 0) this.payDebt(n);
        else this.end += n;
      }
    }
    this.startAhead();
  }

  /** Waits for a read-ahead still in flight (before the input is closed). */
  async settle(): Promise<void> {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead !== null) await ahead;
  }

  private startAhead(): void {
    if (this.headroom === 0 || this.eof || this.ahead !== null) return;
    if (this.spare === null || this.spare.length !== this.bytes.length) this.spare = new Uint8Array(this.bytes.length);
    const spare = this.spare;
    this.ahead = this.input.read(spare, this.headroom, spare.length - this.headroom).then(
      (n) => ({ n, error: null }),
      (error: unknown) => ({ n: 0, error }),
    );
  }

  /** Puts the read-ahead data after the unread tail: the buffers swap, only the tail is copied. */
  private async takeAhead(): Promise<void> {
    const { n, error } = await this.ahead!;
    this.ahead = null;
    if (error !== null) throw error;
    if (n === 0) {
      this.eof = true;
      return;
    }
    const spare = this.spare!;
    const tail = this.end - this.pos;
    if (tail <= this.headroom) {
      const at = this.headroom - tail;
      spare.set(this.bytes.subarray(this.pos, this.end), at);
      this.base += this.pos - at;
      this.spare = this.bytes;
      this.bytes = spare;
      this.view = new DataView(spare.buffer, spare.byteOffset, spare.byteLength);
      this.pos = at;
      this.end = this.headroom + n;
    } else {
      // a tail longer than the headroom (a record larger than it): append the new bytes instead
      this.compact();
      while (this.bytes.length - this.end < n) this.grow(true);
      this.bytes.set(spare.subarray(this.headroom, this.headroom + n), this.end);
      this.end += n;
    }
    if (this.skipDebt > 0) {
      const paid = Math.min(this.skipDebt, this.end - this.pos);
      this.pos += paid;
      this.skipDebt -= paid;
    }
  }

  private compact(): void {
    if (this.pos === 0) return;
    this.bytes.copyWithin(0, this.pos, this.end);
    this.base += this.pos;
    this.end -= this.pos;
    this.pos = 0;
  }

  private payDebt(n: number): void {
    // Only reached with an empty buffer (skip() consumed everything), so the new bytes start at end = 0.
    if (n <= this.skipDebt) {
      this.skipDebt -= n;
      this.base += n;
      return;
    }
    this.pos = this.skipDebt;
    this.end = n;
    this.skipDebt = 0;
  }

  private grow(always = false): void {
    this.compact();
    if (this.end < this.bytes.length && !always) return;
    if (this.bytes.length >= MAX_RECORD_BUFFER_BYTES) {
      throw new Error(`a record needs more than the ${MAX_RECORD_BUFFER_BYTES}-byte read buffer limit`);
    }
    const bigger = new Uint8Array(Math.min(this.bytes.length * 2, MAX_RECORD_BUFFER_BYTES));
    bigger.set(this.bytes.subarray(0, this.end));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }
}
