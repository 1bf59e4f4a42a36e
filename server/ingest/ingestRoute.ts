// GET /api/v1/ingest (WebSocket): sensors push windows, anomalies and health. Each record has a
// per-session sequence number; the server acknowledges cumulatively and ignores repeats, so a
// sensor can resend everything unacknowledged after a reconnect without creating duplicates.
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { AuthFailureLimiter } from '../auth/authFailureLimiter.ts';
import { authenticateSocket } from '../auth/socketAuth.ts';
import { CLOSE_CODES } from '../protocol.ts';
import type { ServerContext } from '../serverContext.ts';
import { keepAlive } from '../stream/heartbeat.ts';
import { isAnomalyRecord, isHealthRecord, isWindowRecord } from './recordShape.ts';

const MAX_SESSIONS = 1_000;

export async function ingestRoute(app: FastifyInstance, { ctx, limiter }: { ctx: ServerContext; limiter: AuthFailureLimiter }): Promise<void> {
  /** the highest seq accepted per sensor session */
  const sessions = new Map<string, number>();

  app.get('/ingest', {
    websocket: true,
    config: { access: 'public' },
    schema: { tags: ['stream'], summary: 'Sensor ingest (WebSocket, role sensor). First message: {type:"auth", token, session}; then {type, seq, data}' },
  }, (socket: WebSocket, req) => {
    let session: string | null = null;
    let ackPending = false;
    const authTimer = setTimeout(() => socket.close(CLOSE_CODES.authTimeout, 'no auth message in time'), ctx.stream.authTimeoutMs);
    const stopHeartbeat = keepAlive(socket, ctx.stream.heartbeatMs);
    socket.on('close', () => { clearTimeout(authTimer); stopHeartbeat(); });

    const scheduleAck = (): void => {
      if (ackPending) return;
      ackPending = true;
      setImmediate(() => {
        ackPending = false;
        if (session !== null && socket.readyState === 1) socket.send(JSON.stringify({ type: 'ack', seq: sessions.get(session) ?? 0 }));
      });
    };

    socket.on('message', (data) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(String(data)) as Record<string, unknown>;
        if (!msg || typeof msg !== 'object') throw new Error('not an object');
      } catch {
        socket.close(CLOSE_CODES.badMessage, 'messages must be JSON objects');
        return;
      }
      if (session === null) {
        clearTimeout(authTimer);
        if (msg.type !== 'auth' || typeof msg.token !== 'string' || typeof msg.session !== 'string' || msg.session.length === 0 || msg.session.length > 128) {
          socket.close(CLOSE_CODES.unauthorized, 'the first message must be {type:"auth", token, session}');
          return;
        }
        const user = authenticateSocket(socket, ctx.users, limiter, req.ip, msg.token, 'sensor', 'ingest');
        if (!user) return;
        ctx.sockets.register(user, socket);
        session = `${user.name}/${msg.session}`;
        if (!sessions.has(session)) {
          sessions.set(session, 0);
          if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
        }
        socket.send(JSON.stringify({ type: 'ready', seq: sessions.get(session) }));
        return;
      }
      const seq = msg.seq;
      if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1) {
        socket.close(CLOSE_CODES.badMessage, 'records need an integer seq ≥ 1');
        return;
      }
      const last = sessions.get(session) ?? 0;
      if (seq > last) {
        if (isWindowRecord(msg)) ctx.feed.window(msg.data);
        else if (isAnomalyRecord(msg)) ctx.feed.anomaly(msg.data);
        else if (isHealthRecord(msg)) ctx.feed.health(msg.data);
        else ctx.log('warn', `ingest: ignored a malformed ${String(msg.type)} record (seq ${seq}) from ${session}`);
        sessions.set(session, seq);
      }
      scheduleAck();
    });
  });
}
