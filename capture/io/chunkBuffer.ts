// A reusable read buffer over a ByteInput: records are parsed in place, the unread tail is carried over.
import type { ByteInput } from './byteInput.ts';

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

  constructor(
    private readonly input: ByteInput,
    size = DEFAULT_CHUNK_BYTES,
  ) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
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

  private grow(): void {
    this.compact();
    if (this.end < this.bytes.length) return;
    if (this.bytes.length >= MAX_RECORD_BUFFER_BYTES) {
      throw new Error(`a record needs more than the ${MAX_RECORD_BUFFER_BYTES}-byte read buffer limit`);
    }
    const bigger = new Uint8Array(Math.min(this.bytes.length * 2, MAX_RECORD_BUFFER_BYTES));
    bigger.set(this.bytes.subarray(0, this.end));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }
}
