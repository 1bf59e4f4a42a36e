// Alerting: anomalies at or above the configured level go to every sink, once per incident (again
// only when its level rises). A bounded queue decouples delivery from the pipeline; a full queue
// drops the alert and counts it.
import { SEVERITY_LEVELS, type SeverityLevel } from '../../model/index.ts';
import type { AnomalyView } from '../protocol.ts';
import { alertPayload, type AlertPayload } from './alertPayload.ts';

export interface AlertSink {
  readonly name: string;
  deliver(payload: AlertPayload): Promise<void>;
  close(): void;
}

export interface AlertCounters {
  queued: number;
  delivered: number;
  failed: number;
  dropped: number;
  deduplicated: number;
  lastError: string | null;
}

export interface AlertDispatcherOptions {
  level: SeverityLevel;
  sinks: AlertSink[];
  maxQueue?: number;
  maxIncidents?: number;
  onError?: (message: string) => void;
}

const rank = (l: SeverityLevel): number => SEVERITY_LEVELS.indexOf(l);

export class AlertDispatcher {
  private readonly queue: AlertPayload[] = [];
  private readonly alerted = new Map<string, SeverityLevel>();
  private running = false;
  private idleWaiters: (() => void)[] = [];
  readonly counters: AlertCounters = { queued: 0, delivered: 0, failed: 0, dropped: 0, deduplicated: 0, lastError: null };

  constructor(private readonly opts: AlertDispatcherOptions) {}

  get level(): SeverityLevel {
    return this.opts.level;
  }

  get sinkNames(): string[] {
    return this.opts.sinks.map((s) => s.name);
  }

  /** Considers one anomaly (new or updated); never waits for delivery. */
  consider(anomaly: AnomalyView): void {
    if (this.opts.sinks.length === 0 || anomaly.suppressedBy !== undefined) return;
    if (rank(anomaly.level) < rank(this.opts.level)) return;
    const before = this.alerted.get(anomaly.id);
    if (before !== undefined && rank(anomaly.level) <= rank(before)) {
      this.counters.deduplicated++;
      return;
    }
    this.alerted.delete(anomaly.id);
    this.alerted.set(anomaly.id, anomaly.level);
    if (this.alerted.size > (this.opts.maxIncidents ?? 100_000)) this.alerted.delete(this.alerted.keys().next().value as string);
    if (this.queue.length >= (this.opts.maxQueue ?? 1_000)) {
      this.counters.dropped++;
      this.fail(`alert queue full (${this.queue.length}); dropped the alert for anomaly ${anomaly.id}`);
      return;
    }
    this.queue.push(alertPayload(before === undefined ? 'new' : 'escalated', anomaly));
    this.counters.queued++;
    void this.drain();
  }

  private fail(message: string): void {
    this.counters.lastError = message;
    this.opts.onError?.(message);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const payload = this.queue.shift()!;
        await Promise.all(this.opts.sinks.map(async (sink) => {
          try {
            await sink.deliver(payload);
            this.counters.delivered++;
          } catch (err) {
            this.counters.failed++;
            this.fail(`alert for anomaly ${payload.anomaly.id} via ${sink.name} failed: ${(err as Error).message}`);
          }
        }));
      }
    } finally {
      this.running = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Resolves when the queue is empty (tests and shutdown). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  close(): void {
    for (const s of this.opts.sinks) s.close();
  }
}
