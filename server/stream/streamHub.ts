// The live stream's hub: numbers every message, keeps recent ones for resume, fans out to clients.
// Two rings: every live message (short), and anomalies/status changes only (long), so a client
// resuming after a longer gap still gets every anomaly it missed, exactly.
import type { Channel } from '../protocol.ts';
import { BoundedRing } from './boundedRing.ts';
import { StreamClient } from './streamClient.ts';
import { isCritical, type NumberedMessage, type StreamMessage, type UnnumberedMessage } from './streamMessages.ts';

export const LIVE_CHANNEL: Channel = 'live';
const CHANNEL_BACKLOG = 1024;
const MAX_CHANNEL_RINGS = 4;

export interface StreamHubOptions {
  recentMessages?: number;
  recentAnomalies?: number;
}

export interface ResumePlan {
  messages: NumberedMessage[];
  /** set when what the client missed is no longer fully held */
  resync?: string;
}

export class StreamHub {
  private nextId = 1;
  private readonly recent: BoundedRing<NumberedMessage>;
  private readonly anomalies: BoundedRing<NumberedMessage>;
  private readonly clients = new Set<StreamClient>();
  /** recent messages of each replay channel, so a client subscribing after the start sees it all */
  private readonly channelRings = new Map<Channel, BoundedRing<NumberedMessage>>();
  published = 0;

  constructor(opts: StreamHubOptions = {}) {
    this.recent = new BoundedRing(opts.recentMessages ?? 2048);
    this.anomalies = new BoundedRing(opts.recentAnomalies ?? 10_000);
  }

  get lastId(): number {
    return this.nextId - 1;
  }

  publish(unnumbered: UnnumberedMessage): StreamMessage {
    const message = { ...unnumbered, id: this.nextId++ } as StreamMessage;
    const item: NumberedMessage = { message, text: JSON.stringify(message) };
    this.published++;
    if (message.channel === LIVE_CHANNEL) {
      this.recent.push(item);
      if (isCritical(message)) this.anomalies.push(item);
    } else {
      let ring = this.channelRings.get(message.channel);
      if (!ring) {
        this.channelRings.set(message.channel, (ring = new BoundedRing(CHANNEL_BACKLOG)));
        if (this.channelRings.size > MAX_CHANNEL_RINGS) this.channelRings.delete(this.channelRings.keys().next().value as Channel);
      }
      ring.push(item);
    }
    for (const c of this.clients) c.offer(item);
    return message;
  }

  /** What a client that last saw `lastId` missed on the live channel. */
  resume(lastId: number): ResumePlan {
    if (lastId >= this.lastId) return { messages: [] };
    if (this.recent.covers(lastId)) return { messages: this.recent.after(lastId) };
    if (this.anomalies.covers(lastId)) return { messages: this.anomalies.after(lastId) };
    return { messages: [], resync: `id ${lastId} is older than the server's buffer; reload state over REST` };
  }

  /** The buffered messages of a replay channel (empty for `live`: use resume). */
  channelBacklog(channel: Channel): NumberedMessage[] {
    return this.channelRings.get(channel)?.after(0) ?? [];
  }

  /** Every client drops its per-sensor state for a sensor the registry forgot. */
  forgetSensor(sensor: string): void {
    for (const c of this.clients) c.forgetSensor(sensor);
  }

  attach(client: StreamClient): void {
    this.clients.add(client);
  }

  detach(client: StreamClient): void {
    this.clients.delete(client);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  clientList(): StreamClient[] {
    return [...this.clients];
  }
}
