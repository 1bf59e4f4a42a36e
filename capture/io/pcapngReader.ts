// pcapng: sections (either byte order), interfaces with their own link type, snaplen and
// timestamp resolution/offset, enhanced, simple and obsolete packet blocks; other blocks skipped.
import type { PacketRecord } from '../packet.ts';
import { corruptRecord, type CaptureFileError } from './captureFileError.ts';
import { MAX_RECORD_BUFFER_BYTES, type ChunkBuffer } from './chunkBuffer.ts';
import { OversizedRecords, recordLimit, type RecordReader } from './recordReader.ts';
import { MICROSECOND_TSRESOL, splitTimestamp, splitUnits, timestampScale, type TimestampScale } from './timestampUnits.ts';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_PB = 0x00000002;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_EPB = 0x00000006;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const OPT_ENDOFOPT = 0;
export const OPT_IF_TSRESOL = 9;
export const OPT_IF_TSOFFSET = 14;

interface InterfaceDescription {
  linkType: number;
  snaplen: number;
  maxRecord: number;
  scale: TimestampScale;
  tsOffsetSec: number;
}

const MICROSECONDS = timestampScale(MICROSECOND_TSRESOL);

export class PcapngReader implements RecordReader {
  need = 12;
  packets = 0;
  readonly oversized = new OversizedRecords();
  private littleEndian = true;
  private interfaces: InterfaceDescription[] = [];
  private sectionSeen = false;
  /** what a block at the buffer's pos needs, for the end-of-input message */
  private needWhat = 'block header';

  constructor(
    private readonly cb: ChunkBuffer,
    private readonly file: string,
  ) {}

  next(rec: PacketRecord): boolean {
    const cb = this.cb;
    for (;;) {
      const pos = cb.pos;
      const avail = cb.end - pos;
      if (avail < 12) {
        this.need = 12;
        this.needWhat = 'block header';
        return false;
      }
      const v = cb.view;
      let type = v.getUint32(pos, this.littleEndian);
      if (type === BLOCK_SHB || !this.sectionSeen) {
        type = this.startSection(pos);
      }
      const le = this.littleEndian;
      const len = v.getUint32(pos + 4, le);
      if (len < 12 || (len & 3) !== 0) {
        throw this.corrupt(pos, `block type 0x${type.toString(16)} has an invalid length ${len}`);
      }
      if (len > avail) {
        if (len > MAX_RECORD_BUFFER_BYTES) {
          if (isPacketOrDescription(type)) {
            throw this.corrupt(pos, `block length ${len} exceeds the ${MAX_RECORD_BUFFER_BYTES}-byte limit`);
          }
          cb.skip(len);
          continue;
        }
        this.need = len;
        this.needWhat = `block of ${len} bytes`;
        return false;
      }
      if (v.getUint32(pos + len - 4, le) !== len) {
        throw this.corrupt(pos, `block length ${len} does not match its trailing length ${v.getUint32(pos + len - 4, le)}`);
      }
      switch (type) {
        case BLOCK_EPB:
          this.enhancedPacket(rec, pos, len);
          return true;
        case BLOCK_SPB:
          this.simplePacket(rec, pos, len);
          return true;
        case BLOCK_PB:
          this.obsoletePacket(rec, pos, len);
          return true;
        case BLOCK_IDB:
          this.interfaceDescription(pos, len);
          break;
        case BLOCK_SHB:
          this.interfaces = [];
          break;
        default:
          break;
      }
      cb.pos = pos + len;
    }
  }

  truncated(): CaptureFileError {
    const cb = this.cb;
    if (cb.skipShortfall > 0) {
      return corruptRecord(this.file, cb.offset, `a skipped block runs ${cb.skipShortfall} bytes past the end of the file`, this.packets);
    }
    return corruptRecord(
      this.file,
      cb.offset,
      `${this.needWhat} runs past the end of the file: ${cb.available} of ${this.need} bytes remain`,
      this.packets,
    );
  }

  /** A new section sets the byte order for every block up to the next one. */
  private startSection(pos: number): number {
    const v = this.cb.view;
    if (v.getUint32(pos, true) !== BLOCK_SHB) {
      throw this.corrupt(pos, 'the file does not start with a section header block');
    }
    const bom = v.getUint32(pos + 8, true);
    if (bom === BYTE_ORDER_MAGIC) this.littleEndian = true;
    else if (bom === 0x4d3c2b1a) this.littleEndian = false;
    else throw this.corrupt(pos, `section header byte-order magic is 0x${bom.toString(16)}`);
    this.sectionSeen = true;
    return BLOCK_SHB;
  }

  private interfaceDescription(pos: number, len: number): void {
    const v = this.cb.view;
    const le = this.littleEndian;
    if (len < 20) throw this.corrupt(pos, `interface description block of ${len} bytes is too short`);
    const linkType = v.getUint16(pos + 8, le);
    const snaplen = v.getUint32(pos + 12, le);
    let scale = MICROSECONDS;
    let tsOffsetSec = 0;
    const end = pos + len - 4;
    let p = pos + 16;
    while (p + 4 <= end) {
      const code = v.getUint16(p, le);
      const olen = v.getUint16(p + 2, le);
      if (code === OPT_ENDOFOPT) break;
      if (p + 4 + olen > end) throw this.corrupt(pos, `interface option ${code} runs past its block`);
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const tsresol = this.cb.bytes[p + 4]!;
        if ((tsresol & 0x7f) > 63) throw this.corrupt(pos, `if_tsresol ${tsresol} is out of range`);
        scale = timestampScale(tsresol);
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        tsOffsetSec = Number(v.getBigInt64(p + 4, le));
      }
      p += 4 + ((olen + 3) & ~3);
    }
    this.interfaces.push({ linkType, snaplen, maxRecord: recordLimit(snaplen), scale, tsOffsetSec });
  }

  private enhancedPacket(rec: PacketRecord, pos: number, len: number): void {
    const v = this.cb.view;
    const le = this.littleEndian;
    if (len < 32) throw this.corrupt(pos, `enhanced packet block of ${len} bytes is too short`);
    const ifaceId = v.getUint32(pos + 8, le);
    const capLen = v.getUint32(pos + 20, le);
    const iface = this.packetInterface(pos, ifaceId, capLen, len - 32);
    this.fill(rec, iface, ifaceId, v.getUint32(pos + 12, le), v.getUint32(pos + 16, le), capLen, v.getUint32(pos + 24, le), pos + 28);
    this.cb.pos = pos + len;
  }

  private obsoletePacket(rec: PacketRecord, pos: number, len: number): void {
    const v = this.cb.view;
    const le = this.littleEndian;
    if (len < 32) throw this.corrupt(pos, `packet block of ${len} bytes is too short`);
    const ifaceId = v.getUint16(pos + 8, le);
    const capLen = v.getUint32(pos + 20, le);
    const iface = this.packetInterface(pos, ifaceId, capLen, len - 32);
    this.fill(rec, iface, ifaceId, v.getUint32(pos + 12, le), v.getUint32(pos + 16, le), capLen, v.getUint32(pos + 24, le), pos + 28);
    this.cb.pos = pos + len;
  }

  /** Simple packet blocks carry no timestamp: the record keeps the previous packet's time. */
  private simplePacket(rec: PacketRecord, pos: number, len: number): void {
    const v = this.cb.view;
    if (len < 16) throw this.corrupt(pos, `simple packet block of ${len} bytes is too short`);
    const iface = this.interfaces[0];
    if (iface === undefined) throw this.corrupt(pos, 'simple packet block before any interface description block');
    const origLen = v.getUint32(pos + 8, this.littleEndian);
    let capLen = Math.min(origLen, len - 16);
    if (iface.snaplen > 0 && capLen > iface.snaplen) capLen = iface.snaplen;
    const data = pos + 12;
    rec.origLen = origLen;
    rec.capLen = capLen;
    rec.buffer = this.cb.bytes;
    rec.offset = data;
    rec.linkType = iface.linkType;
    rec.iface = 0;
    this.cb.pos = pos + len;
    this.packets++;
  }

  private packetInterface(pos: number, ifaceId: number, capLen: number, room: number): InterfaceDescription {
    const iface = this.interfaces[ifaceId];
    if (iface === undefined) {
      throw this.corrupt(pos, `packet for interface ${ifaceId} but the section describes ${this.interfaces.length}`);
    }
    if (capLen > room) throw this.corrupt(pos, `captured length ${capLen} runs past its block (${room} bytes of data)`);
    if (capLen > iface.maxRecord) {
      throw this.corrupt(pos, `captured length ${capLen} exceeds the snaplen ${iface.snaplen} and the ${iface.maxRecord}-byte limit`);
    }
    if (capLen > iface.snaplen && iface.snaplen > 0) this.oversized.note(this.cb.base + pos, iface.snaplen);
    return iface;
  }

  private fill(
    rec: PacketRecord,
    iface: InterfaceDescription,
    ifaceId: number,
    tsHi: number,
    tsLo: number,
    capLen: number,
    origLen: number,
    data: number,
  ): void {
    splitUnits(tsHi, tsLo, iface.scale);
    rec.tsSec = splitTimestamp.sec + iface.tsOffsetSec;
    rec.tsNsec = splitTimestamp.nsec;
    rec.origLen = origLen;
    rec.capLen = capLen;
    rec.buffer = this.cb.bytes;
    rec.offset = data;
    rec.linkType = iface.linkType;
    rec.iface = ifaceId;
    this.packets++;
  }

  private corrupt(pos: number, what: string): CaptureFileError {
    return corruptRecord(this.file, this.cb.base + pos, what, this.packets);
  }
}

function isPacketOrDescription(type: number): boolean {
  return type === BLOCK_SHB || type === BLOCK_IDB || type === BLOCK_EPB || type === BLOCK_SPB || type === BLOCK_PB;
}
