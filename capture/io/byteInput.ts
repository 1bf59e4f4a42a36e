// Where a file source's bytes come from: a file descriptor (positioned reads) or a Readable (stdin).
import { open, read, close } from 'node:fs';
import type { Readable } from 'node:stream';

export interface ByteInput {
  /** Reads up to `length` bytes into `target` at `offset`; resolves 0 at the end of the input. */
  read(target: Uint8Array, offset: number, length: number): Promise<number>;
  /** Makes a pending read resolve 0 so a stopped source can end while it waits for input. */
  cancel(): void;
  close(): void;
}

export function openFileInput(path: string): Promise<ByteInput> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (err, fd) => (err ? reject(err) : resolve(new FileInput(fd))));
  });
}

class FileInput implements ByteInput {
  private position = 0;
  private closed = false;
  private cancelled = false;

  constructor(private readonly fd: number) {}

  read(target: Uint8Array, offset: number, length: number): Promise<number> {
    if (this.cancelled || this.closed) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      read(this.fd, target, offset, length, this.position, (err, n) => {
        if (err) return reject(err);
        this.position += n;
        resolve(this.cancelled ? 0 : n);
      });
    });
  }

  cancel(): void {
    this.cancelled = true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    close(this.fd, () => undefined);
  }
}

/** Reads a stream in paused mode so it is never buffered further than its own highWaterMark. */
export class StreamInput implements ByteInput {
  private chunk: Uint8Array | null = null;
  private chunkPos = 0;
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private readonly onReadable = (): void => this.notify();
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };
  private readonly onError = (err: Error): void => {
    this.failure = err;
    this.notify();
  };

  constructor(private readonly stream: Readable) {
    stream.on('readable', this.onReadable);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
  }

  async read(target: Uint8Array, offset: number, length: number): Promise<number> {
    for (;;) {
      let copied = 0;
      while (copied < length) {
        if (this.chunk === null || this.chunkPos >= this.chunk.length) {
          const next = this.stream.read() as Uint8Array | string | null;
          if (next === null) break;
          this.chunk = typeof next === 'string' ? Buffer.from(next, 'latin1') : next;
          this.chunkPos = 0;
          continue;
        }
        const n = Math.min(length - copied, this.chunk.length - this.chunkPos);
        target.set(this.chunk.subarray(this.chunkPos, this.chunkPos + n), offset + copied);
        this.chunkPos += n;
        copied += n;
      }
      if (copied > 0) return copied;
      if (this.failure !== null) throw this.failure;
      if (this.ended) return 0;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  cancel(): void {
    this.ended = true;
    this.notify();
  }

  close(): void {
    this.stream.off('readable', this.onReadable);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    if (wake !== null) wake();
  }
}
