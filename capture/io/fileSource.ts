// File sources: capture files (and stdin) read one after another into the reused PacketRecord.
import type { Readable } from 'node:stream';
import { ReusedPacketRecord, type PacketRecord, type PacketSource, type SourceCounters } from '../packet.ts';
import { openFileInput, StreamInput, type ByteInput } from './byteInput.ts';
import { CaptureFileError, FORMATS_READ, notCaptureFile } from './captureFileError.ts';
import { detectCaptureFormat } from './captureFormat.ts';
import { ChunkBuffer, DEFAULT_CHUNK_BYTES } from './chunkBuffer.ts';
import { PCAP_HEADER_BYTES, PcapReader } from './pcapReader.ts';
import { PcapngReader } from './pcapngReader.ts';
import type { RecordReader } from './recordReader.ts';
import { Pacer, speedMultiplier, type Speed } from './speed.ts';

export interface FileSourceOptions {
  speed?: Speed;
  /** Called for a file that cannot be read or is damaged; reading goes on with the next file. Without it run() rejects. */
  onFileError?: (err: CaptureFileError) => void;
  /** Called with a notice about a file that was read (records longer than its snaplen); without it, notices are dropped. */
  onFileNotice?: (message: string) => void;
  /** read buffer size in bytes (default 2 MiB); records larger than it grow it */
  chunkBytes?: number;
}

interface NamedInput {
  name: string;
  open(): Promise<ByteInput>;
}

export function openFileSource(paths: string[], opts: FileSourceOptions = {}): PacketSource {
  if (paths.length === 0) throw new Error('no capture file given: pass at least one path, or - for stdin');
  const inputs = paths.map(
    (path): NamedInput => ({
      name: path,
      open: () => (path === '-' ? Promise.resolve(new StreamInput(process.stdin)) : openFileInput(path)),
    }),
  );
  return new FileSource(paths.join(', '), inputs, opts);
}

/** A capture arriving on a stream (stdin, a pipe, a socket); `name` is used in messages. */
export function openStreamSource(stream: Readable, opts: FileSourceOptions & { name?: string } = {}): PacketSource {
  const name = opts.name ?? '-';
  return new FileSource(name, [{ name, open: () => Promise.resolve(new StreamInput(stream)) }], opts);
}

class FileSource implements PacketSource {
  readonly live = false;
  private readonly multiplier: number | null;
  private readonly chunkBytes: number;
  private stopped = false;
  private current: ByteInput | null = null;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly rec = new ReusedPacketRecord();

  constructor(
    readonly name: string,
    private readonly inputs: NamedInput[],
    private readonly opts: FileSourceOptions,
  ) {
    this.multiplier = speedMultiplier(opts.speed ?? 'max');
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  }

  async run(onPacket: (packet: PacketRecord) => void): Promise<void> {
    this.stopped = false;
    const pacer = this.multiplier === null ? null : new Pacer(this.multiplier);
    for (const input of this.inputs) {
      if (this.stopped) return;
      try {
        await this.readInput(input, onPacket, pacer);
      } catch (err) {
        if (!(err instanceof CaptureFileError) || this.opts.onFileError === undefined) throw err;
        this.opts.onFileError(err);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.current?.cancel();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const wake = this.wake;
    this.wake = null;
    if (wake !== null) wake();
  }

  counters(): SourceCounters {
    return { packetsDropped: 0, packetsIfDropped: 0 };
  }

  private async readInput(input: NamedInput, onPacket: (packet: PacketRecord) => void, pacer: Pacer | null): Promise<void> {
    let byteInput: ByteInput;
    try {
      byteInput = await input.open();
    } catch (err) {
      throw new CaptureFileError(input.name, 0, `${input.name}: cannot open: ${osError(err)}`);
    }
    this.current = byteInput;
    const cb = new ChunkBuffer(byteInput, this.chunkBytes);
    try {
      await this.readRecords(input.name, cb, onPacket, pacer);
    } catch (err) {
      if (err instanceof CaptureFileError) throw err;
      if (isOsError(err)) throw new CaptureFileError(input.name, 0, `${input.name}: cannot read: ${osError(err)}`);
      throw err;
    } finally {
      this.current = null;
      byteInput.cancel();
      await cb.settle();
      byteInput.close();
    }
  }

  private async readRecords(
    name: string,
    cb: ChunkBuffer,
    onPacket: (packet: PacketRecord) => void,
    pacer: Pacer | null,
  ): Promise<void> {
    await cb.fill(PCAP_HEADER_BYTES);
    if (this.stopped) return;
    if (cb.available === 0) {
      throw new CaptureFileError(name, 0, `${name}: empty file (0 bytes); expected a capture file (read: ${FORMATS_READ})`);
    }
    const head = cb.bytes.subarray(cb.pos, cb.end);
    const format = detectCaptureFormat(head);
    if (format === null) throw notCaptureFile(name, head);
    const reader: RecordReader = format === 'pcap' ? new PcapReader(cb, name) : new PcapngReader(cb, name);
    const rec = this.rec;
    for (;;) {
      if (pacer === null) {
        while (reader.next(rec)) {
          onPacket(rec);
          if (this.stopped) return;
        }
      } else {
        while (reader.next(rec)) {
          const wait = pacer.delayMs(rec.tsSec, rec.tsNsec);
          if (wait >= 1) await this.sleep(wait);
          if (this.stopped) return;
          onPacket(rec);
          if (this.stopped) return;
        }
      }
      if (cb.eof) {
        const notice = reader.oversized.notice(name);
        if (notice !== null) this.opts.onFileNotice?.(notice);
        if (cb.available > 0 || cb.skipShortfall > 0) throw reader.truncated();
        return;
      }
      await cb.fill(reader.need);
      if (this.stopped) return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.wake = null;
        resolve();
      }, ms);
    });
  }
}

function isOsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}

/** "ENOENT: no such file or directory" without Node's repetition of the path. */
function osError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.message.replace(/, (open|read) '.*'$/, '');
}
