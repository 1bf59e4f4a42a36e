// GET /api/v1/stream (WebSocket): authenticate with the first message, resume from lastId, then live.
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { AuthFailureLimiter } from '../auth/authFailureLimiter.ts';
import { authenticateSocket } from '../auth/socketAuth.ts';
import { CLOSE_CODES, type AuthMessage, type Channel } from '../protocol.ts';
import type { ServerContext } from '../serverContext.ts';
import { StreamClient, type StreamFilter } from './streamClient.ts';
import type { NumberedMessage } from './streamMessages.ts';
import { LIVE_CHANNEL } from './streamHub.ts';
import { keepAlive } from './heartbeat.ts';
import { guarded } from '../guarded.ts';

const MAX_CHANNELS = 16;
/** sensor names one client may filter on (far above any deployment's sensors) */
const MAX_SENSOR_FILTER = 1_024;

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
  if (msg.sensors !== undefined && (!Array.isArray(msg.sensors) || msg.sensors.length > MAX_SENSOR_FILTER
    || !msg.sensors.every((s) => typeof s === 'string' && s.length <= 128))) return null;
  if (msg.windowEveryMs !== undefined && (typeof msg.windowEveryMs !== 'number' || !(msg.windowEveryMs >= 0) || !Number.isFinite(msg.windowEveryMs))) return null;
  return { channels, sensors: msg.sensors ? new Set(msg.sensors) : null, windowEveryMs: msg.windowEveryMs ?? 0 };
}

export async function streamRoute(app: FastifyInstance, { ctx, limiter }: { ctx: ServerContext; limiter: AuthFailureLimiter }): Promise<void> {
  app.get('/stream', {
    websocket: true,
    config: { access: 'public' },
    schema: { tags: ['stream'], summary: 'Live stream (WebSocket). First message: {type:"auth", token, lastId?, sensors?, windowEveryMs?, channels?}; see docs' },
  }, (socket: WebSocket, req) => {
    let client: StreamClient | null = null;
    const authTimer = setTimeout(guarded('stream auth timeout', ctx.log, () => socket.close(CLOSE_CODES.authTimeout, 'no auth message in time')), ctx.stream.authTimeoutMs);
    const stopHeartbeat = keepAlive(socket, ctx.stream.heartbeatMs, ctx.log);
    socket.on('close', guarded('stream close', ctx.log, () => {
      clearTimeout(authTimer);
      stopHeartbeat();
      if (client) {
        client.closed = true;
        ctx.hub.detach(client);
      }
    }));
    socket.on('error', guarded('stream socket error', ctx.log, (err: Error) => ctx.log('warn', `stream: socket error from ${req.ip}: ${err.message}`)));
    socket.on('message', guarded('stream message', ctx.log, (data: unknown) => {
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
            client.page(added.flatMap((c) => ctx.hub.channelBacklog(c)).sort((a, b) => a.message.id - b.message.id));
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
        socket.close(CLOSE_CODES.badMessage, 'bad auth message: channels (max 16), sensors (max 1024 names) must be string arrays, windowEveryMs a number >= 0');
        return;
      }
      client = new StreamClient(socket, filter, ctx.stream, user.name);
      client.sendControl({ type: 'hello', user: user.name, role: user.role, serverTime: Date.now(), lastId: ctx.hub.lastId });
      const missed: NumberedMessage[] = [];
      if (typeof auth.lastId === 'number') {
        if (auth.lastId > ctx.hub.lastId) {
          client.sendControl({ type: 'resync', reason: 'the server restarted since that id; reload state over REST' });
        } else {
          const plan = ctx.hub.resume(auth.lastId);
          if (plan.resync) client.sendControl({ type: 'resync', reason: plan.resync });
          missed.push(...plan.messages);
        }
      }
      for (const c of filter.channels) missed.push(...ctx.hub.channelBacklog(c));
      // paged ahead of the live queue, however many: a long absence is not a slow client
      client.page(missed.sort((a, b) => a.message.id - b.message.id));
      ctx.hub.attach(client);
    }));
  });
}
