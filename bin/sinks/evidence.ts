// The evidence stage of the sensor: a ring of recent packets, and for every anomaly the pcap of its
// subject around it (capture/evidence), under <var>/evidence where `spanwatch serve` finds it.
import { join } from 'node:path';
import { EvidenceRecorder, PacketRing, type EvidenceRecord, type EvidenceRequest, type PassiveDnsNames, type WindowStats } from '../../capture/index.ts';
import type { Anomaly } from '../../model/index.ts';
import { CliError } from '../cliError.ts';
import { parseByteSize, parseDuration } from '../options.ts';
import type { RecordSink } from '../sinks.ts';

export const evidenceFlags = {
  'no-evidence': { type: 'boolean' },
  'evidence-window': { type: 'string' },
  'evidence-max': { type: 'string' },
  'evidence-dir': { type: 'string' },
  'evidence-disk': { type: 'string' },
} as const;

export const evidenceHelp = `evidence (with a model):
  --evidence-window D  keep the packets of the last D in memory (default 2m, packet time)
  --evidence-max SIZE  ... and at most SIZE of them (default 512MB, allocated once at start)
  --evidence-dir DIR   where the pcap around each anomaly is written (default <var>/evidence)
  --evidence-disk SIZE total size of the pcaps there; the oldest are removed beyond it (default 2GB)
  --no-evidence        keep no packets and write no pcaps`;

export interface EvidenceValues {
  'no-evidence'?: boolean;
  'evidence-window'?: string;
  'evidence-max'?: string;
  'evidence-dir'?: string;
  'evidence-disk'?: string;
}

export interface EvidenceSettings {
  windowMs: number;
  maxBytes: number;
  dir: string;
  diskBytes: number;
}

/** The evidence settings from the flags, or null with --no-evidence. */
export function evidenceSettings(values: EvidenceValues, varDir: string): EvidenceSettings | null {
  if (values['no-evidence']) {
    const given = (['evidence-window', 'evidence-max', 'evidence-dir', 'evidence-disk'] as const).find((k) => values[k] !== undefined);
    if (given) throw new CliError(`--${given} contradicts --no-evidence; give one or the other`);
    return null;
  }
  const windowMs = parseDuration(values['evidence-window'] ?? '2m', '--evidence-window');
  const maxBytes = parseByteSize(values['evidence-max'] ?? '512MB', '--evidence-max');
  const diskBytes = parseByteSize(values['evidence-disk'] ?? '2GB', '--evidence-disk');
  if (maxBytes < 4096) throw new CliError(`--evidence-max: at least 4KB (got ${values['evidence-max']})`);
  if (diskBytes < 4096) throw new CliError(`--evidence-disk: at least 4KB (got ${values['evidence-disk']})`);
  return { windowMs, maxBytes, diskBytes, dir: values['evidence-dir'] ?? join(varDir, 'evidence') };
}

/** The evidence request for an anomaly: its subject's addresses and its interval. */
function evidenceRequestOf(a: Anomaly, windowMs: number): EvidenceRequest {
  const hosts = [a.subject.localHost, a.subject.remote].filter((h): h is string => h !== undefined && h !== '');
  return { anomalyId: a.id, sensor: a.sensor, hosts, start: a.start, end: a.end, peakAt: a.peakAt, windowMs, ongoing: a.ongoing };
}

/** The ring and the recorder, wired as a sink: anomalies open jobs, each closed window advances them. */
export class EvidenceSink implements RecordSink {
  readonly ring: PacketRing;
  private recorder: EvidenceRecorder | null = null;

  private listener: ((record: EvidenceRecord) => void) | null = null;

  constructor(private readonly settings: EvidenceSettings, private readonly windowMs: number, private readonly notice: (m: string) => void) {
    try {
      this.ring = new PacketRing({ maxBytes: settings.maxBytes, windowMs: settings.windowMs });
    } catch (err) {
      throw new CliError(`--evidence-max: cannot keep a packet ring of ${settings.maxBytes} bytes (${(err as Error).message}); give a smaller --evidence-max or --no-evidence`, 1);
    }
  }

  /** Connects the pipeline's passive DNS table (the pipeline is built with the ring, so after it). */
  attach(names: PassiveDnsNames | null): void {
    try {
      this.recorder = new EvidenceRecorder({
        dir: this.settings.dir, ring: this.ring, names, maxTotalBytes: this.settings.diskBytes, onNotice: this.notice,
        onComplete: (r) => this.listener?.(r),
      });
    } catch (err) {
      throw new CliError(`--evidence-dir ${this.settings.dir}: ${(err as Error).message}; give a writable directory or --no-evidence`, 1);
    }
  }

  /** Hands each record, once its pcap is final, to `listener` (e.g. the JSON lines). */
  onRecord(listener: (record: EvidenceRecord) => void): void {
    this.listener = listener;
  }

  window(_stats: WindowStats): void {
    this.guarded((r) => r.advance());
  }

  anomaly(a: Anomaly): void {
    this.guarded((r) => r.request(evidenceRequestOf(a, this.windowMs)));
  }

  /** A failing evidence directory (full disk, removed, no permission) stops evidence, never the capture. */
  private guarded(work: (r: EvidenceRecorder) => void): void {
    const r = this.recorder;
    if (r === null) return;
    try {
      work(r);
    } catch (err) {
      this.recorder = null;
      this.notice(`evidence stopped: ${(err as Error).message}; check ${this.settings.dir} (free space, permissions); capture and detection go on`);
    }
  }

  async close(): Promise<void> {
    this.guarded((r) => r.finish());
    const r = this.recorder;
    if (r && r.removed > 0) this.notice(`evidence: ${r.removed} older pcap(s) were removed to stay within ${this.settings.diskBytes} bytes`);
  }
}
