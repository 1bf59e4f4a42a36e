// JSON lines: one `{"type":"window","data":WindowStats}`, `{"type":"anomaly","data":Anomaly}` or
// `{"type":"evidence","data":EvidenceRecord}` per line.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { EvidenceRecord, WindowStats } from '../../capture/index.ts';
import type { Anomaly } from '../../model/index.ts';
import type { RecordSink } from '../sinks.ts';

export class JsonlSink implements RecordSink {
  private failure: Error | null = null;
  private closedByReader = false;

  private constructor(private readonly out: Writable, private readonly ownsStream: boolean, readonly target: string) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      // a reader that went away (`spanwatch sensor --jsonl - | head`) is not a failure of ours
      if (!ownsStream && err.code === 'EPIPE') this.closedByReader = true;
      else this.failure ??= err;
    });
  }

  /** `-` writes to stdout; anything else is a file path (created or truncated). */
  static async open(target: string): Promise<JsonlSink> {
    if (target === '-') return new JsonlSink(process.stdout, false, 'stdout');
    const stream: WriteStream = createWriteStream(target, { flags: 'w' });
    try {
      await once(stream, 'open');
    } catch (err) {
      throw new Error(`cannot write JSON lines to ${target}: ${(err as Error).message}; check the directory exists and is writable`);
    }
    return new JsonlSink(stream, true, target);
  }

  window(stats: WindowStats): void {
    this.write('window', stats);
  }

  anomaly(anomaly: Anomaly): void {
    this.write('anomaly', anomaly);
  }

  /** a complete evidence record (the pcap around an anomaly) */
  evidence(record: EvidenceRecord): void {
    this.write('evidence', record);
  }

  private write(type: string, data: unknown): void {
    if (this.failure || this.closedByReader) return;
    this.out.write(`{"type":"${type}","data":${JSON.stringify(data)}}\n`);
  }

  async close(): Promise<void> {
    if (this.ownsStream) {
      if (!this.out.writableEnded) {
        this.out.end();
        await once(this.out, 'finish').catch(() => undefined);
      }
    } else if (this.out.writableNeedDrain && !this.closedByReader) {
      await once(this.out, 'drain');
    }
    if (this.failure) throw new Error(`writing JSON lines to ${this.target} failed: ${this.failure.message}`);
  }
}
