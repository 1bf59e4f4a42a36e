// Writes the packet stream into one classic pcap per day (day-1.pcap, day-2.pcap, …), cut at
// midnight UTC (or at the site's local midnights), and counts what went into each. The caller opens
// and closes the days in turn.
import { join } from 'node:path';
import { CaptureFileWriter } from '../../capture/io/index.ts';
import { LINKTYPE } from '../craft.ts';
import { US_PER_S } from './context.ts';
import { DAY_MS } from './profile.ts';
import type { Micros, PacketSink } from './schedule.ts';

export interface DayFileStats {
  file: string;
  /** midnight that starts the day, ms since the epoch */
  start: number;
  end: number;
  packets: number;
  /** bytes on the wire (original lengths) */
  wireBytes: number;
  /** bytes captured (what the file holds, without record headers) */
  capturedBytes: number;
}

/** Every packet is kept whole up to this length; only bulk TCP payload is cut shorter, by the generator. */
export const GENERATED_SNAPLEN = 65_535;

export class DaySplitSink implements PacketSink {
  readonly days: DayFileStats[];
  private writer: CaptureFileWriter | null = null;
  private stats: DayFileStats | null = null;

  /** `bounds`, when given, are the days' starts and the last day's end (local midnights, days + 1 of them). */
  constructor(private readonly outDir: string, startMs: number, days: number, bounds?: readonly number[]) {
    if (bounds && bounds.length !== days + 1) throw new Error(`${days} days need ${days + 1} day boundaries (got ${bounds.length})`);
    this.days = Array.from({ length: days }, (_, i) => ({
      file: `day-${i + 1}.pcap`,
      start: bounds ? bounds[i]! : startMs + i * DAY_MS,
      end: bounds ? bounds[i + 1]! : startMs + (i + 1) * DAY_MS,
      packets: 0, wireBytes: 0, capturedBytes: 0,
    }));
  }

  openDay(index: number): void {
    if (this.writer) throw new Error(`day ${index + 1} opened while another day is still open`);
    const stats = this.days[index]!;
    this.stats = stats;
    this.writer = new CaptureFileWriter(join(this.outDir, stats.file), {
      format: 'pcap', linkType: LINKTYPE.ETHERNET, snaplen: GENERATED_SNAPLEN,
    });
  }

  write(at: Micros, frame: Uint8Array, wireLen: number): void {
    const writer = this.writer;
    const stats = this.stats;
    if (!writer || !stats) throw new Error('a packet arrived while no day file is open');
    const sec = Math.floor(at / US_PER_S);
    writer.packet(sec, (at - sec * US_PER_S) * 1_000, frame, wireLen);
    stats.packets++;
    stats.wireBytes += wireLen;
    stats.capturedBytes += frame.length;
  }

  async closeDay(): Promise<DayFileStats> {
    const stats = this.stats;
    if (!this.writer || !stats) throw new Error('no day file is open');
    await this.writer.close();
    this.writer = null;
    this.stats = null;
    return stats;
  }
}
