// The sensor → server transport: a RecordSink that pushes windows, anomalies and health over a
// WebSocket to the server's /api/v1/ingest. Records are numbered per session and kept until the
// server acknowledges them, so a reconnect resends exactly what was not yet accepted. The buffer is
// bounded (windows are dropped first, oldest first, and counted); the pipeline never waits.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { WindowStats } from '../../capture/index.ts';
import type { Anomaly } from '../../model/index.ts';
import type { IngestAckMessage, IngestErrorMessage, IngestReadyMessage, SensorHealth } from '../../server/index.ts';
import { CliError } from '../cliError.ts';
import type { RecordSink } from '../sinks.ts';

export interface ServerSinkOptions {
  /** the server's base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  /** a token of role `sensor` */
  token: string;
  /** records held until acknowledged (default 20 000) */
  maxBuffered?: number;
  /** first reconnect delay; doubles up to 30 s (default 500 ms) */
  reconnectMs?: number;
  /** how long close() waits for the last acknowledgements (default 5 s) */
  closeTimeoutMs?: number;
  onError?: (message: string) => void;
}

interface Pending {
  seq: number;
  isWindow: boolean;
  text: string;
}

const HIGH_WATER_BYTES = 1024 * 1024;
const MAX_RECONNECT_MS = 30_000;

export class ServerSink implements RecordSink {
  private readonly session = randomUUID();
  private readonly ingestUrl: string;
  private readonly pending: Pending[] = [];
  private seq = 0;
  private sentSeq = 0;
  private ws: WebSocket | null = null;
  private ready = false;
  private closing = false;
  private delay: number;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  /** records dropped because the server was unreachable for too long */
  dropped = 0;
  acked = 0;
  /** records the server refused (schema, sensor binding, capacity); each is reported through onError, the first ones in full */
  refused = 0;

  constructor(private readonly opts: ServerSinkOptions) {
    const u = new URL(opts.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'ws:' && u.protocol !== 'wss:') {
      throw new Error(`--server '${opts.url}' must be an http(s):// or ws(s):// URL`);
    }
    u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
    u.pathname = `${u.pathname.replace(/\/$/, '')}/api/v1/ingest`;
    this.ingestUrl = u.toString();
    this.delay = opts.reconnectMs ?? 500;
    this.connect();
  }

  window(stats: WindowStats): void {
    this.enqueue('window', stats);
  }

  anomaly(anomaly: Anomaly): void {
    this.enqueue('anomaly', anomaly);
  }

  health(health: SensorHealth): void {
    this.enqueue('health', health);
  }

  /** records not yet acknowledged by the server */
  get backlog(): number {
    return this.pending.length;
  }

  private enqueue(type: 'window' | 'anomaly' | 'health', data: unknown): void {
    const seq = ++this.seq;
    this.pending.push({ seq, isWindow: type === 'window', text: JSON.stringify({ type, seq, data }) });
    if (this.pending.length > (this.opts.maxBuffered ?? 20_000)) {
      const i = this.pending.findIndex((p) => p.isWindow && p.seq > this.sentSeq);
      this.pending.splice(i >= 0 ? i : 0, 1);
      this.dropped++;
    }
    this.pump();
  }

  private connect(): void {
    if (this.closing) return;
    const ws = new WebSocket(this.ingestUrl, { handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: this.opts.token, session: this.session })));
    ws.on('message', (raw) => {
      let msg: IngestAckMessage | IngestReadyMessage | IngestErrorMessage;
      try {
        msg = JSON.parse(String(raw)) as IngestAckMessage | IngestReadyMessage | IngestErrorMessage;
      } catch {
        return;
      }
      if (msg.type === 'error') {
        // the first refusals in full, then one line per 1000: an unbound token refuses every record
        this.refused++;
        if (this.refused <= 5 || this.refused % 1000 === 0) {
          this.opts.onError?.(`server sink: the server refused record ${msg.seq ?? '?'} (${msg.reason}): ${msg.message}${this.refused > 5 ? ` [${this.refused} refused so far]` : ''}`);
        }
        return;
      }
      if (msg.type === 'ready') {
        this.ready = true;
        this.delay = this.opts.reconnectMs ?? 500;
        this.acknowledge(msg.seq);
        this.sentSeq = msg.seq;
        this.pump();
      } else if (msg.type === 'ack') {
        this.acknowledge(msg.seq);
        this.pump();
      }
    });
    ws.on('error', (err) => this.opts.onError?.(`server sink: ${this.ingestUrl}: ${err.message}`));
    ws.on('close', (code, reason) => {
      this.ready = false;
      this.ws = null;
      if (code === 4401 || code === 4403) this.opts.onError?.(`server sink: the server refused the token (${code} ${reason.toString()}); check --server-token`);
      if (this.closing) {
        this.wake();
        return;
      }
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(MAX_RECONNECT_MS, this.delay * 2);
    });
  }

  private acknowledge(seq: number): void {
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.seq <= seq) n++;
    if (n > 0) {
      this.pending.splice(0, n);
      this.acked += n;
    }
    if (this.pending.length === 0) this.wake();
  }

  private pump(): void {
    const ws = this.ws;
    if (!ws || !this.ready || ws.readyState !== WebSocket.OPEN) return;
    for (const p of this.pending) {
      if (p.seq <= this.sentSeq) continue;
      if (ws.bufferedAmount >= HIGH_WATER_BYTES) {
        setTimeout(() => this.pump(), 20).unref();
        return;
      }
      ws.send(p.text);
      this.sentSeq = p.seq;
    }
  }

  private wake(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves when everything accepted so far is acknowledged (or rejects after `timeoutMs`). */
  flushed(timeoutMs = this.opts.closeTimeoutMs ?? 5_000): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server sink: ${this.pending.length} records not acknowledged within ${timeoutMs} ms`)), timeoutMs);
      this.idleWaiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  async close(): Promise<void> {
    try {
      await this.flushed();
    } catch (err) {
      this.opts.onError?.((err as Error).message);
    }
    if (this.dropped > 0) this.opts.onError?.(`server sink: ${this.dropped} records were dropped while the server could not keep up or was unreachable`);
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'sensor stopping');
      });
    }
  }
}

/** The sink for `--server URL`: the token comes from --server-token or SPANWATCH_SENSOR_TOKEN. */
export function openServerSink(url: string, token: string | undefined): ServerSink {
  const t = token ?? process.env.SPANWATCH_SENSOR_TOKEN;
  if (!t) throw new CliError('--server needs a token of role sensor: --server-token TOKEN or env SPANWATCH_SENSOR_TOKEN (create one with `spanwatch user add NAME --role sensor`)');
  try {
    return new ServerSink({ url, token: t, onError: (m) => process.stderr.write(`spanwatch sensor: ${m}\n`) });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}
