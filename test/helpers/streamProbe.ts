// A WebSocket client of the server's /api/v1/stream or /api/v1/ingest for tests: every message
// it receives, a promise of its close, and waiting for a condition on what arrived.
import WebSocket from 'ws';
import type { ServerMessage } from '../../server/index.ts';

export interface StreamProbe {
  ws: WebSocket;
  messages: ServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
  waitFor(pred: (all: ServerMessage[]) => boolean, what: string, ms?: number): Promise<void>;
}

export function openStream(base: string, path: string, first: object | null): StreamProbe {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/${path}`);
  const messages: ServerMessage[] = [];
  const listeners = new Set<() => void>();
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)) as ServerMessage);
    for (const l of listeners) l();
  });
  if (first) ws.on('open', () => ws.send(JSON.stringify(first)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return {
    ws, messages, closed,
    waitFor: (pred, what, ms = 10_000) => new Promise((resolve, reject) => {
      if (pred(messages)) return resolve();
      const t = setTimeout(() => { listeners.delete(check); reject(new Error(`timed out waiting for ${what}; got ${messages.length} messages`)); }, ms);
      const check = (): void => { if (pred(messages)) { clearTimeout(t); listeners.delete(check); resolve(); } };
      listeners.add(check);
    }),
  };
}

export const ofType = <T extends ServerMessage['type']>(all: ServerMessage[], type: T) => all.filter((m) => m.type === type) as Extract<ServerMessage, { type: T }>[];
