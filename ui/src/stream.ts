// The live stream: authenticates with the first message (never the URL), reconnects with
// exponential backoff and resumes from the last id it saw.
import type { Channel, ClientMessage, ServerMessage } from './types.ts';

export const STREAM_PATH = '/api/v1/stream';
const CLOSE_UNAUTHORIZED = 4401;

export type StreamState = 'connecting' | 'open' | 'disconnected' | 'unauthorized';

export interface StreamOptions {
  token: string;
  channels: () => Channel[];
  lastId: () => number;
  onMessage: (m: ServerMessage) => void;
  onState: (s: StreamState, detail: string) => void;
  url?: string;
}

export interface StreamHandle {
  subscribe(channels: Channel[]): void;
  close(): void;
}

/** Delay before reconnect attempt `attempt` (0-based): doubling from 500 ms, capped at 10 s, with jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(10_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.5 + random() / 2));
}

function defaultUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${STREAM_PATH}`;
}

export function openStream(opts: StreamOptions): StreamHandle {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  function send(m: ClientMessage): void {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(m));
  }

  function connect(): void {
    timer = null;
    opts.onState('connecting', attempt === 0 ? 'connecting' : `reconnecting (attempt ${attempt + 1})`);
    const ws = new WebSocket(opts.url ?? defaultUrl());
    socket = ws;
    ws.addEventListener('open', () => {
      const lastId = opts.lastId();
      send({ type: 'auth', token: opts.token, channels: opts.channels(), ...(lastId > 0 ? { lastId } : {}) });
    });
    ws.addEventListener('message', (ev: MessageEvent) => {
      let msg: ServerMessage;
      try { msg = JSON.parse(String(ev.data)) as ServerMessage; } catch { return; }
      if (msg.type === 'hello') {
        attempt = 0;
        opts.onState('open', `connected as ${msg.user}`);
      }
      opts.onMessage(msg);
    });
    ws.addEventListener('close', (ev: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      if (stopped) return;
      if (ev.code === CLOSE_UNAUTHORIZED) {
        opts.onState('unauthorized', ev.reason || 'the token was refused');
        return;
      }
      const delay = backoffDelay(attempt++);
      opts.onState('disconnected', `retrying in ${(delay / 1000).toFixed(1)} s${ev.reason ? ` (${ev.reason})` : ''}`);
      timer = setTimeout(connect, delay);
    });
  }

  connect();
  return {
    subscribe(channels) { send({ type: 'subscribe', channels }); },
    close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      socket?.close(1000, 'logout');
      socket = null;
    },
  };
}
