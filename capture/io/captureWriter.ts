// Writers for pcap and pcapng: in memory (CaptureWriter) or streamed to disk with flat memory (CaptureFileWriter).
import { closeSync, openSync, writeSync } from 'node:fs';
import { createEncoder, PcapngEncoder, type CaptureWriterOptions, type RecordEncoder } from './recordEncoder.ts';

const MEMORY_BLOCK_BYTES = 1024 * 1024;
const FILE_BUFFER_BYTES = 4 * 1024 * 1024;

/** Collects encoded records in a fixed buffer and hands it to `flush` whenever the next record would not fit. */
abstract class BufferedRecordWriter {
  protected readonly encoder: RecordEncoder;
  protected buf: Buffer;
  protected used = 0;

  constructor(opts: CaptureWriterOptions, bufferBytes: number) {
    this.encoder = createEncoder(opts);
    this.buf = Buffer.allocUnsafe(bufferBytes);
  }

  packet(tsSec: number, tsNsec: number, data: Uint8Array, origLen: number = data.length, iface = 0): void {
    if (!Number.isInteger(tsSec) || !Number.isInteger(tsNsec) || tsNsec < 0 || tsNsec >= 1e9) {
      throw new RangeError(`invalid timestamp ${tsSec}.${tsNsec}: seconds must be an integer and nanoseconds 0…999999999`);
    }
    const capLen = Math.min(data.length, this.encoder.snaplen(iface));
    const bytes = this.encoder.packetBytes(capLen);
    this.reserve(bytes);
    this.used += this.encoder.packet(this.buf, this.used, tsSec, tsNsec, data, capLen, Math.max(origLen, capLen), iface);
  }

  /** pcapng only: appends a block of any type (custom or unknown), so readers can be tested on them. */
  extraBlock(type: number, body: Uint8Array): void {
    if (!(this.encoder instanceof PcapngEncoder)) throw new Error('extra blocks exist only in pcapng files');
    this.append(this.encoder.block(type, body));
  }

  protected append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buf.length) return;
    this.flush();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes);
  }

  /** Hands over buf[0, used) and empties it. */
  protected abstract flush(): void;
}

export class CaptureWriter extends BufferedRecordWriter {
  private readonly blocks: Buffer[] = [];

  constructor(opts: CaptureWriterOptions) {
    super(opts, MEMORY_BLOCK_BYTES);
    this.append(this.encoder.header());
  }

  toBuffer(): Buffer {
    return Buffer.concat([...this.blocks, this.buf.subarray(0, this.used)]);
  }

  protected flush(): void {
    this.blocks.push(Buffer.from(this.buf.subarray(0, this.used)));
    this.used = 0;
  }
}

export class CaptureFileWriter extends BufferedRecordWriter {
  private fd: number | null;

  /** `bufferBytes`: records collected before each write to disk (default 4 MiB) */
  constructor(
    readonly path: string,
    opts: CaptureWriterOptions,
    bufferBytes = FILE_BUFFER_BYTES,
  ) {
    super(opts, bufferBytes);
    this.fd = openSync(path, 'w');
    this.append(this.encoder.header());
  }

  override packet(tsSec: number, tsNsec: number, data: Uint8Array, origLen: number = data.length, iface = 0): void {
    if (this.fd === null) throw new Error(`${this.path}: the capture writer is closed`);
    super.packet(tsSec, tsNsec, data, origLen, iface);
  }

  close(): Promise<void> {
    if (this.fd !== null) {
      this.flush();
      closeSync(this.fd);
      this.fd = null;
    }
    return Promise.resolve();
  }

  protected flush(): void {
    if (this.fd === null) throw new Error(`${this.path}: the capture writer is closed`);
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.buf, off, this.used - off);
    this.used = 0;
  }
}
