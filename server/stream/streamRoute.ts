// GET /api/v1/stream (WebSocket): authenticate with the first message, resume from lastId, then live.
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { AuthFailureLimiter } from '../auth/authFailureLimiter.ts';
import { authenticateSocket } from '../auth/socketAuth.ts';
import { CLOSE_CODES, type AuthMessage, type Channel } from '../protocol.ts';
import type { ServerContext } from '../serverContext.ts';
import { StreamClient, type StreamFilter } from './streamClient.ts';
import { LIVE_CHANNEL } from './streamHub.ts';
import { keepAlive } from './heartbeat.ts';

const MAX_CHANNELS = 16;

function parseJson(data: unknown): Record<string, unknown> | null {
  try {
    const v = JSON.parse(String(data)) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function channelsOf(value: unknown): Set<Channel> | null {
  if (value === undefined) return new Set([LIVE_CHANNEL]);
  if (!Array.isArray(value) || value.length > MAX_CHANNELS || !value.every((c) => typeof c === 'string' && c.length <= 64)) return null;
  return new Set(value as string[]);
}

function filterOf(msg: AuthMessage): StreamFilter | null {
  const channels = channelsOf(msg.channels);
  if (!channels) return null;
  if (msg.sensors !== undefined && (!Array.isArray(msg.sensors) || !msg.sensors.every((s) => typeof s === 'string'))) return null;
  if (msg.windowEveryMs !== undefined && (typeof msg.windowEveryMs !== 'number' || !(msg.windowEveryMs >= 0))) return null;
  return { channels, sensors: msg.sensors ? new Set(msg.sensors) : null, windowEveryMs: msg.windowEveryMs ?? 0 };
}

export async function streamRoute(app: FastifyInstance, { ctx, limiter }: { ctx: ServerContext; limiter: AuthFailureLimiter }): Promise<void> {
  app.get('/stream', {
    websocket: true,
    config: { access: 'public' },
    schema: { tags: ['stream'], summary: 'Live stream (WebSocket). First message: {type:"auth", token, lastId?, sensors?, windowEveryMs?, channels?}; see docs' },
  }, (socket: WebSocket, req) => {
    let client: StreamClient | null = null;
    const authTimer = setTimeout(() => socket.close(CLOSE_CODES.authTimeout, 'no auth message in time'), ctx.stream.authTimeoutMs);
    const stopHeartbeat = keepAlive(socket, ctx.stream.heartbeatMs);
    socket.on('close', () => {
      clearTimeout(authTimer);
      stopHeartbeat();
      if (client) {
        client.closed = true;
        ctx.hub.detach(client);
      }
    });
    socket.on('message', (data) => {
      const msg = parseJson(data);
      if (!msg) {
        socket.close(CLOSE_CODES.badMessage, 'messages must be JSON objects');
        return;
      }
      if (client) {
        if (msg.type === 'subscribe') {
          const channels = channelsOf(msg.channels);
          if (!channels) client.sendControl({ type: 'error', message: 'subscribe needs channels: an array of up to 16 names' });
          else {
            const added = [...channels].filter((c) => !client!.filter.channels.has(c));
            client.filter.channels = channels;
            for (const c of added) for (const item of ctx.hub.channelBacklog(c)) client.offer(item);
          }
        } else {
          client.sendControl({ type: 'error', message: `unexpected message type '${String(msg.type)}'` });
        }
        return;
      }
      clearTimeout(authTimer);
      if (msg.type !== 'auth' || typeof msg.token !== 'string') {
        socket.close(CLOSE_CODES.unauthorized, 'the first message must be {type:"auth", token}');
        return;
      }
      const user = authenticateSocket(socket, ctx.users, limiter, req.ip, msg.token, 'viewer', 'the stream');
      if (!user) return;
      ctx.sockets.register(user, socket);
      const auth = msg as unknown as AuthMessage;
      const filter = filterOf(auth);
      if (!filter) {
        socket.close(CLOSE_CODES.badMessage, 'bad auth message: channels, sensors must be string arrays, windowEveryMs a number ≥ 0');
        return;
      }
      client = new StreamClient(socket, filter, ctx.stream, user.name);
      client.sendControl({ type: 'hello', user: user.name, role: user.role, serverTime: Date.now(), lastId: ctx.hub.lastId });
      if (typeof auth.lastId === 'number') {
        if (auth.lastId > ctx.hub.lastId) {
          client.sendControl({ type: 'resync', reason: 'the server restarted since that id; reload state over REST' });
        } else {
          const plan = ctx.hub.resume(auth.lastId);
          if (plan.resync) client.sendControl({ type: 'resync', reason: plan.resync });
          for (const item of plan.messages) client.offer(item);
        }
      }
      for (const c of filter.channels) for (const item of ctx.hub.channelBacklog(c)) client.offer(item);
      ctx.hub.attach(client);
    });
  });
}
