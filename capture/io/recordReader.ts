// What the file source drives: a format's parser over a ChunkBuffer, one packet per call.
import type { PacketRecord } from '../packet.ts';
import type { CaptureFileError } from './captureFileError.ts';

export interface RecordReader {
  /**
   * Fills `rec` with the next packet and returns true, or returns false when `need` bytes from the
   * buffer's pos are required first. Throws a CaptureFileError on corrupt data.
   */
  next(rec: PacketRecord): boolean;
  /** bytes needed from pos before next() can make progress */
  readonly need: number;
  /** packets delivered so far from this input */
  readonly packets: number;
  /** The error for an input that ended inside a record. */
  truncated(): CaptureFileError;
  /** records longer than their snaplen, read in full */
  readonly oversized: OversizedRecords;
}

/** Records longer than their snaplen: read in full, as tcpdump and tshark read them, and reported once per file. */
export class OversizedRecords {
  count = 0;
  private firstOffset = 0;
  private snaplen = 0;

  note(offset: number, snaplen: number): void {
    if (this.count++ > 0) return;
    this.firstOffset = offset;
    this.snaplen = snaplen;
  }

  /** The notice for `file`, or null when every record kept to its snaplen. */
  notice(file: string): string | null {
    if (this.count === 0) return null;
    const records = this.count === 1 ? '1 record is' : `${this.count} records are`;
    return `${file}: ${records} longer than the snaplen ${this.snaplen} (the first at byte offset ${this.firstOffset}); read in full, as tcpdump and tshark read them`;
  }
}

/** Records may exceed the snaplen a little (tcpdump and wireshark accept that); beyond this they are corrupt. */
export const MIN_RECORD_LIMIT = 262144;

export function recordLimit(snaplen: number): number {
  return Math.max(snaplen, MIN_RECORD_LIMIT);
}
