// One stream subscriber: its filter, its bounded send queue and its back-pressure policy.
// Windows may be dropped when the client falls behind (it is told how many); anomalies are never
// dropped — a client whose anomaly backlog passes the limit is disconnected with 4429.
// What a client missed before it connected (resume, a replay channel's history) is not queued:
// it is paged from the hub's buffers (shared, already in memory) ahead of the queue, as fast as
// the socket takes it, however long it is.
import { CLOSE_CODES, type Channel } from '../protocol.ts';
import type { NumberedMessage } from './streamMessages.ts';

/** The part of a `ws` WebSocket the client needs. */
export interface StreamSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string, cb?: (err?: Error) => void): void;
  close(code: number, reason: string): void;
}

export interface StreamClientLimits {
  /** stop handing data to the socket while this many bytes are still unsent */
  highWaterBytes: number;
  /** windows held for this client beyond the socket; older ones are dropped first */
  maxQueuedWindows: number;
  /** other messages (anomalies, status changes, health, training) held; past this the client is disconnected */
  maxQueuedCritical: number;
}

export interface StreamFilter {
  channels: Set<Channel>;
  sensors: Set<string> | null;
  windowEveryMs: number;
}

const OPEN = 1;

export class StreamClient {
  private readonly queue: NumberedMessage[] = [];
  /** missed messages still to send, oldest first, ahead of the queue */
  private backlog: NumberedMessage[] = [];
  private backlogAt = 0;
  private queuedWindows = 0;
  private queuedCritical = 0;
  private droppedWindows = 0;
  private readonly lastWindowStart = new Map<string, number>();
  private pumping = false;
  closed = false;
  /** windows dropped for this client since it connected */
  totalDropped = 0;

  constructor(
    private readonly socket: StreamSocket,
    public filter: StreamFilter,
    private readonly limits: StreamClientLimits,
    readonly user: string,
  ) {}

  get queueLength(): number {
    return this.queue.length;
  }

  /** messages of the resume backlog not yet handed to the socket */
  get backlogLength(): number {
    return this.backlog.length - this.backlogAt;
  }

  /** Sends `items` (in id order, all older than anything offered later) ahead of the queue, paced by the socket. */
  page(items: readonly NumberedMessage[]): void {
    if (this.closed || items.length === 0) return;
    this.backlog = this.backlog.slice(this.backlogAt).concat(items);
    this.backlogAt = 0;
    this.pump();
  }

  /** the next backlog message this client accepts, or undefined when the backlog is done */
  private nextFromBacklog(): NumberedMessage | undefined {
    while (this.backlogAt < this.backlog.length) {
      const item = this.backlog[this.backlogAt++]!;
      if (this.accepts(item)) return item;
    }
    if (this.backlog.length > 0) {
      this.backlog = [];
      this.backlogAt = 0;
    }
    return undefined;
  }

  forgetSensor(sensor: string): void {
    this.lastWindowStart.delete(sensor);
  }

  private accepts(item: NumberedMessage): boolean {
    const m = item.message;
    if (!this.filter.channels.has(m.channel)) return false;
    if (m.type === 'window') {
      if (this.filter.sensors && !this.filter.sensors.has(m.data.sensor)) return false;
      if (this.filter.windowEveryMs > 0) {
        const last = this.lastWindowStart.get(m.data.sensor);
        if (last !== undefined && m.data.start - last < this.filter.windowEveryMs && m.data.start >= last) return false;
        this.lastWindowStart.set(m.data.sensor, m.data.start);
      }
    } else if (m.type === 'anomaly' || m.type === 'health') {
      const sensor = m.type === 'anomaly' ? m.data.sensor : m.sensor;
      if (this.filter.sensors && !this.filter.sensors.has(sensor)) return false;
    }
    return true;
  }

  offer(item: NumberedMessage): void {
    if (this.closed || !this.accepts(item)) return;
    this.queue.push(item);
    if (item.message.type === 'window') {
      this.queuedWindows++;
      if (this.queuedWindows > this.limits.maxQueuedWindows) this.dropOldestWindow();
    } else {
      // everything but windows is kept: anomalies, status changes, health and training progress
      this.queuedCritical++;
      if (this.queuedCritical > this.limits.maxQueuedCritical) {
        this.disconnect(CLOSE_CODES.tooSlow, `too slow: more than ${this.limits.maxQueuedCritical} anomaly/status messages pending; reconnect with lastId to resume`);
        return;
      }
    }
    this.pump();
  }

  private dropOldestWindow(): void {
    const i = this.queue.findIndex((q) => q.message.type === 'window');
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.queuedWindows--;
    this.droppedWindows++;
    this.totalDropped++;
  }

  /** Hands queued messages to the socket while it has room; resumes from send callbacks. */
  pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      while (this.socket.readyState === OPEN && this.socket.bufferedAmount < this.limits.highWaterBytes) {
        const missed = this.nextFromBacklog();
        if (missed) {
          this.socket.send(missed.text, this.onSent);
          continue;
        }
        if (this.queue.length === 0) break;
        if (this.droppedWindows > 0) {
          this.socket.send(JSON.stringify({ type: 'dropped', windows: this.droppedWindows }));
          this.droppedWindows = 0;
        }
        const item = this.queue.shift()!;
        if (item.message.type === 'window') this.queuedWindows--;
        else this.queuedCritical--;
        this.socket.send(item.text, this.onSent);
      }
    } finally {
      this.pumping = false;
    }
  }

  private readonly onSent = (err?: Error): void => {
    if (err) {
      this.closed = true;
      return;
    }
    if (this.queue.length > 0 || this.backlogLength > 0) this.pump();
  };

  sendControl(message: object): void {
    if (this.closed || this.socket.readyState !== OPEN) return;
    this.socket.send(JSON.stringify(message));
  }

  disconnect(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.backlog = [];
    this.backlogAt = 0;
    this.queuedWindows = 0;
    this.queuedCritical = 0;
    this.socket.close(code, reason);
  }
}
