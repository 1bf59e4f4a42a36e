// Byte layouts of the pcap and pcapng records the writers emit.
import {
  BLOCK_EPB,
  BLOCK_IDB,
  BLOCK_SHB,
  BLOCK_SPB,
  BYTE_ORDER_MAGIC,
  OPT_IF_TSOFFSET,
  OPT_IF_TSRESOL,
} from './pcapngReader.ts';
import { joinUnits, MICROSECOND_TSRESOL, NANOSECOND_TSRESOL, timestampScale, type TimestampScale } from './timestampUnits.ts';

export interface CaptureInterfaceOptions {
  linkType: number;
  /** raw if_tsresol byte: 6 = µs (the default), 9 = ns, 0x80 | n = 2^-n s */
  tsresol?: number;
  /** pcapng if_tsoffset: seconds added to every timestamp of this interface */
  tsoffset?: number;
  snaplen?: number;
}

export interface CaptureWriterOptions {
  format: 'pcap' | 'pcapng';
  linkType: number;
  nanosecond?: boolean;
  bigEndian?: boolean;
  snaplen?: number;
  /** pcapng: several interfaces (their link types replace `linkType`) */
  interfaces?: CaptureInterfaceOptions[];
  /** pcapng: write simple packet blocks (no timestamp, interface 0 only) instead of enhanced ones */
  simplePackets?: boolean;
}

export const DEFAULT_SNAPLEN = 262144;

/** Encodes into a caller-owned buffer so writers can batch records without a copy. */
export interface RecordEncoder {
  header(): Uint8Array;
  /** bytes packet() will write for `capLen` captured bytes */
  packetBytes(capLen: number): number;
  /** Writes one record at `offset`; returns bytes written. */
  packet(target: Buffer, offset: number, tsSec: number, tsNsec: number, data: Uint8Array, capLen: number, origLen: number, iface: number): number;
  /** snaplen of an interface: data beyond it is cut */
  snaplen(iface: number): number;
}

export function createEncoder(opts: CaptureWriterOptions): RecordEncoder {
  if (opts.format === 'pcap') return new PcapEncoder(opts);
  if (opts.format === 'pcapng') return new PcapngEncoder(opts);
  throw new Error(`unknown capture format '${String(opts.format)}': use pcap or pcapng`);
}

export class PcapEncoder implements RecordEncoder {
  private readonly le: boolean;
  private readonly nano: boolean;
  private readonly snap: number;

  constructor(private readonly opts: CaptureWriterOptions) {
    this.le = opts.bigEndian !== true;
    this.nano = opts.nanosecond === true;
    this.snap = opts.snaplen ?? DEFAULT_SNAPLEN;
  }

  header(): Uint8Array {
    const b = Buffer.alloc(24);
    const v = new DataView(b.buffer, b.byteOffset, 24);
    v.setUint32(0, this.nano ? 0xa1b23c4d : 0xa1b2c3d4, this.le);
    v.setUint16(4, 2, this.le);
    v.setUint16(6, 4, this.le);
    v.setUint32(16, this.snap, this.le);
    v.setUint32(20, this.opts.linkType, this.le);
    return b;
  }

  packetBytes(capLen: number): number {
    return 16 + capLen;
  }

  snaplen(iface: number): number {
    if (iface !== 0) throw new Error(`pcap files have a single interface; got interface ${iface}`);
    return this.snap;
  }

  packet(target: Buffer, offset: number, tsSec: number, tsNsec: number, data: Uint8Array, capLen: number, origLen: number): number {
    const le = this.le;
    writeU32(target, offset, tsSec, le);
    writeU32(target, offset + 4, this.nano ? tsNsec : Math.floor(tsNsec / 1000), le);
    writeU32(target, offset + 8, capLen, le);
    writeU32(target, offset + 12, origLen, le);
    target.set(capLen === data.length ? data : data.subarray(0, capLen), offset + 16);
    return 16 + capLen;
  }
}

interface EncodedInterface {
  linkType: number;
  snaplen: number;
  scale: TimestampScale;
  tsoffset: number;
  writeTsresol: boolean;
}

export class PcapngEncoder implements RecordEncoder {
  private readonly le: boolean;
  private readonly interfaces: EncodedInterface[];
  private readonly simple: boolean;

  constructor(opts: CaptureWriterOptions) {
    this.le = opts.bigEndian !== true;
    this.simple = opts.simplePackets === true;
    const list = opts.interfaces ?? [{ linkType: opts.linkType, tsresol: opts.nanosecond === true ? NANOSECOND_TSRESOL : undefined }];
    if (list.length === 0) throw new Error('a pcapng writer needs at least one interface');
    this.interfaces = list.map((i) => ({
      linkType: i.linkType,
      snaplen: i.snaplen ?? opts.snaplen ?? DEFAULT_SNAPLEN,
      scale: timestampScale(i.tsresol ?? MICROSECOND_TSRESOL),
      tsoffset: i.tsoffset ?? 0,
      writeTsresol: i.tsresol !== undefined,
    }));
  }

  header(): Uint8Array {
    const blocks: Buffer[] = [this.block(BLOCK_SHB, this.sectionBody())];
    for (const i of this.interfaces) blocks.push(this.block(BLOCK_IDB, this.interfaceBody(i)));
    return Buffer.concat(blocks);
  }

  /** A block of any type (e.g. a custom or unknown one), for readers' tests. */
  block(type: number, body: Uint8Array): Buffer {
    const padded = (body.length + 3) & ~3;
    const len = 12 + padded;
    const b = Buffer.alloc(len);
    writeU32(b, 0, type, this.le);
    writeU32(b, 4, len, this.le);
    b.set(body, 8);
    writeU32(b, len - 4, len, this.le);
    return b;
  }

  packetBytes(capLen: number): number {
    return (this.simple ? 16 : 32) + ((capLen + 3) & ~3);
  }

  snaplen(iface: number): number {
    return this.iface(iface).snaplen;
  }

  packet(target: Buffer, offset: number, tsSec: number, tsNsec: number, data: Uint8Array, capLen: number, origLen: number, iface: number): number {
    const le = this.le;
    const desc = this.iface(iface);
    const len = this.packetBytes(capLen);
    writeU32(target, offset + 4, len, le);
    let dataAt: number;
    if (this.simple) {
      if (iface !== 0) throw new Error(`simple packet blocks belong to interface 0; got interface ${iface}`);
      if (capLen !== Math.min(origLen, desc.snaplen)) {
        throw new Error(
          `a simple packet block cannot hold ${capLen} captured bytes of a ${origLen}-byte packet: readers take min(original length, snaplen ${desc.snaplen})`,
        );
      }
      writeU32(target, offset, BLOCK_SPB, le);
      writeU32(target, offset + 8, origLen, le);
      dataAt = offset + 12;
    } else {
      const [hi, lo] = joinUnits(tsSec - desc.tsoffset, tsNsec, desc.scale);
      writeU32(target, offset, BLOCK_EPB, le);
      writeU32(target, offset + 8, iface, le);
      writeU32(target, offset + 12, hi, le);
      writeU32(target, offset + 16, lo, le);
      writeU32(target, offset + 20, capLen, le);
      writeU32(target, offset + 24, origLen, le);
      dataAt = offset + 28;
    }
    target.set(capLen === data.length ? data : data.subarray(0, capLen), dataAt);
    target.fill(0, dataAt + capLen, offset + len - 4);
    writeU32(target, offset + len - 4, len, le);
    return len;
  }

  private iface(iface: number): EncodedInterface {
    const desc = this.interfaces[iface];
    if (desc === undefined) throw new Error(`interface ${iface} is not one of the writer's ${this.interfaces.length} interfaces`);
    return desc;
  }

  private sectionBody(): Buffer {
    const b = Buffer.alloc(16);
    writeU32(b, 0, BYTE_ORDER_MAGIC, this.le);
    writeU16(b, 4, 1, this.le);
    writeU16(b, 6, 0, this.le);
    // Section length unknown (-1): the writer streams.
    b.fill(0xff, 8, 16);
    return b;
  }

  private interfaceBody(i: EncodedInterface): Buffer {
    const options: Buffer[] = [];
    if (i.writeTsresol) options.push(this.option(OPT_IF_TSRESOL, Uint8Array.of(i.scale.tsresol)));
    if (i.tsoffset !== 0) {
      const v = Buffer.alloc(8);
      if (this.le) v.writeBigInt64LE(BigInt(i.tsoffset));
      else v.writeBigInt64BE(BigInt(i.tsoffset));
      options.push(this.option(OPT_IF_TSOFFSET, v));
    }
    if (options.length > 0) options.push(Buffer.alloc(4));
    const b = Buffer.alloc(8);
    writeU16(b, 0, i.linkType, this.le);
    writeU32(b, 4, i.snaplen, this.le);
    return Buffer.concat([b, ...options]);
  }

  private option(code: number, value: Uint8Array): Buffer {
    const b = Buffer.alloc(4 + ((value.length + 3) & ~3));
    writeU16(b, 0, code, this.le);
    writeU16(b, 2, value.length, this.le);
    b.set(value, 4);
    return b;
  }
}

function writeU32(b: Buffer, offset: number, value: number, le: boolean): void {
  if (le) b.writeUInt32LE(value >>> 0, offset);
  else b.writeUInt32BE(value >>> 0, offset);
}

function writeU16(b: Buffer, offset: number, value: number, le: boolean): void {
  if (le) b.writeUInt16LE(value & 0xffff, offset);
  else b.writeUInt16BE(value & 0xffff, offset);
}
