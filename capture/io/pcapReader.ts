// Classic libpcap files: µs and ns magic, either byte order, in place over the chunk buffer.
import type { PacketRecord } from '../packet.ts';
import { CaptureFileError, corruptRecord } from './captureFileError.ts';
import type { ChunkBuffer } from './chunkBuffer.ts';
import { OversizedRecords, recordLimit, type RecordReader } from './recordReader.ts';

export const PCAP_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;

export class PcapReader implements RecordReader {
  need = RECORD_HEADER_BYTES;
  packets = 0;
  readonly oversized = new OversizedRecords();
  readonly linkType: number;
  readonly snaplen: number;
  private readonly littleEndian: boolean;
  private readonly nanosecond: boolean;
  private readonly maxRecord: number;

  /** Reads the file header at the buffer's pos; needs PCAP_HEADER_BYTES available. */
  constructor(
    private readonly cb: ChunkBuffer,
    private readonly file: string,
  ) {
    if (cb.available < PCAP_HEADER_BYTES) {
      throw new CaptureFileError(
        file,
        0,
        `${file}: truncated pcap file header: ${cb.available} of ${PCAP_HEADER_BYTES} bytes`,
      );
    }
    const v = cb.view;
    const p = cb.pos;
    const be = v.getUint32(p, false);
    const le = v.getUint32(p, true);
    if (be === MAGIC_US || be === MAGIC_NS) this.littleEndian = false;
    else if (le === MAGIC_US || le === MAGIC_NS) this.littleEndian = true;
    else throw new CaptureFileError(file, 0, `${file}: not a pcap file header`);
    this.nanosecond = (this.littleEndian ? le : be) === MAGIC_NS;
    this.snaplen = v.getUint32(p + 16, this.littleEndian);
    // The upper bits of the link-type field carry FCS information, not the link type.
    this.linkType = v.getUint32(p + 20, this.littleEndian) & 0xffff;
    this.maxRecord = recordLimit(this.snaplen);
    cb.pos = p + PCAP_HEADER_BYTES;
  }

  next(rec: PacketRecord): boolean {
    const cb = this.cb;
    const pos = cb.pos;
    const avail = cb.end - pos;
    if (avail < RECORD_HEADER_BYTES) {
      this.need = RECORD_HEADER_BYTES;
      return false;
    }
    const v = cb.view;
    const le = this.littleEndian;
    const capLen = v.getUint32(pos + 8, le);
    if (capLen > this.maxRecord) {
      throw corruptRecord(
        this.file,
        cb.base + pos,
        `captured length ${capLen} exceeds the snaplen ${this.snaplen} and the ${this.maxRecord}-byte limit`,
        this.packets,
      );
    }
    const total = RECORD_HEADER_BYTES + capLen;
    if (avail < total) {
      this.need = total;
      return false;
    }
    if (capLen > this.snaplen && this.snaplen > 0) this.oversized.note(cb.base + pos, this.snaplen);
    let sec = v.getUint32(pos, le);
    let frac = v.getUint32(pos + 4, le);
    if (!this.nanosecond) frac *= 1000;
    if (frac >= 1e9) {
      sec += Math.floor(frac / 1e9);
      frac %= 1e9;
    }
    rec.tsSec = sec;
    rec.tsNsec = frac;
    rec.origLen = v.getUint32(pos + 12, le);
    rec.capLen = capLen;
    rec.buffer = cb.bytes;
    rec.offset = pos + RECORD_HEADER_BYTES;
    rec.linkType = this.linkType;
    rec.iface = 0;
    cb.pos = pos + total;
    this.packets++;
    return true;
  }

  truncated(): CaptureFileError {
    const cb = this.cb;
    const avail = cb.available;
    const what =
      avail < RECORD_HEADER_BYTES
        ? `record header cut short: ${avail} of ${RECORD_HEADER_BYTES} bytes before the end of the file`
        : `record of ${this.need - RECORD_HEADER_BYTES} captured bytes runs past the end of the file: ${avail - RECORD_HEADER_BYTES} remain`;
    return corruptRecord(this.file, cb.offset, what, this.packets);
  }
}
