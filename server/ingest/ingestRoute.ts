// GET /api/v1/ingest (WebSocket): sensors push windows, anomalies and health. Each record has a
// per-session sequence number; the server acknowledges cumulatively and ignores repeats, so a
// sensor can resend everything unacknowledged after a reconnect without creating duplicates.
// Every record is checked against the strict record schemas and against the sensor names the
// token is bound to; a refused record gets an `error` message on this socket and is counted in
// GET /status, and the connection goes on.
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { AuthFailureLimiter } from '../auth/authFailureLimiter.ts';
import { authenticateSocket } from '../auth/socketAuth.ts';
import { guarded } from '../guarded.ts';
import { CLOSE_CODES } from '../protocol.ts';
import type { ServerContext } from '../serverContext.ts';
import { keepAlive } from '../stream/heartbeat.ts';
import type { RefusalReason } from './ingestCounters.ts';
import { validateIngestMessage, type IngestRecord } from './ingestValidator.ts';

const MAX_SESSIONS = 1_000;
/** refusal notices are skipped (still counted) while this much is unsent to the sensor */
const ERROR_NOTICE_HIGH_WATER = 256 * 1024;

export async function ingestRoute(app: FastifyInstance, { ctx, limiter }: { ctx: ServerContext; limiter: AuthFailureLimiter }): Promise<void> {
  /** the highest seq accepted per sensor session */
  const sessions = new Map<string, number>();

  app.get('/ingest', {
    websocket: true,
    config: { access: 'public' },
    schema: { tags: ['stream'], summary: 'Sensor ingest (WebSocket, role sensor). First message: {type:"auth", token, session}; then {type, seq, data}' },
  }, (socket: WebSocket, req) => {
    let session: string | null = null;
    /** the sensor names this token may send records for */
    let allowed: ReadonlySet<string> = new Set();
    let ackPending = false;
    const authTimer = setTimeout(guarded('ingest auth timeout', ctx.log, () => socket.close(CLOSE_CODES.authTimeout, 'no auth message in time')), ctx.stream.authTimeoutMs);
    const stopHeartbeat = keepAlive(socket, ctx.stream.heartbeatMs, ctx.log);
    socket.on('close', guarded('ingest close', ctx.log, () => { clearTimeout(authTimer); stopHeartbeat(); }));
    socket.on('error', guarded('ingest socket error', ctx.log, (err: Error) => ctx.log('warn', `ingest: socket error from ${req.ip}: ${err.message}`)));

    const sendAck = guarded('ingest ack', ctx.log, () => {
      ackPending = false;
      if (session !== null && socket.readyState === 1) socket.send(JSON.stringify({ type: 'ack', seq: sessions.get(session) ?? 0 }));
    });
    const scheduleAck = (): void => {
      if (ackPending) return;
      ackPending = true;
      setImmediate(sendAck);
    };

    const refuse = (reason: RefusalReason, seq: number | null, message: string): void => {
      ctx.ingest.refuse(reason);
      if (socket.readyState === 1 && socket.bufferedAmount < ERROR_NOTICE_HIGH_WATER) {
        socket.send(JSON.stringify({ type: 'error', ...(seq !== null ? { seq } : {}), reason, message }));
      }
    };

    /** hands a valid record to the feed, or says why not */
    const take = (r: IngestRecord): { reason: RefusalReason; message: string } | null => {
      const sensor = r.data.sensor;
      if (!allowed.has(sensor)) {
        const names = [...allowed];
        const list = names.length === 0 ? 'no sensor' : `${names.slice(0, 10).join(', ')}${names.length > 10 ? ` and ${names.length - 10} more` : ''} only`;
        return { reason: 'sensor', message: `this token may send records for ${list}, not for sensor '${sensor}'` };
      }
      if (!ctx.sensors.admits(sensor)) {
        return { reason: 'capacity', message: `the server already tracks ${ctx.sensors.limits.maxSensors} sensors; records of a new sensor are refused until one has been unseen for a day (raise --max-sensors)` };
      }
      if (r.type === 'window') ctx.feed.window(r.data);
      else if (r.type === 'health') ctx.feed.health(r.data);
      else {
        const held = ctx.book.get(r.data.id);
        if (held && held.sensor !== sensor) return { reason: 'sensor', message: `anomaly id ${r.data.id.slice(0, 64)} belongs to another sensor` };
        ctx.feed.anomaly(r.data);
      }
      return null;
    };

    const onRecord = (msg: unknown): void => {
      const v = validateIngestMessage(msg);
      const seq = v.ok ? v.record.seq : v.seq;
      const last = sessions.get(session!) ?? 0;
      if (seq !== null && seq <= last) {
        ctx.ingest.repeats++;
        scheduleAck();
        return;
      }
      if (!v.ok) {
        // an invalid record does not move the session's seq: a forged seq cannot make later records look repeated
        refuse(seq === null ? 'malformed' : 'invalid', seq, v.message);
        return;
      }
      let refusal: { reason: RefusalReason; message: string } | null;
      try {
        refusal = take(v.record);
      } catch (err) {
        ctx.log('error', `ingest: handling ${v.record.type} record ${v.record.seq} from ${session} failed: ${(err as Error).stack ?? String(err)}`);
        refusal = { reason: 'failed', message: 'the server could not handle this record (logged); it was not taken' };
      }
      if (refusal) refuse(refusal.reason, v.record.seq, refusal.message);
      sessions.set(session!, v.record.seq);
      scheduleAck();
    };

    const onAuth = (msg: Record<string, unknown>): void => {
      clearTimeout(authTimer);
      if (msg.type !== 'auth' || typeof msg.token !== 'string' || typeof msg.session !== 'string' || msg.session.length === 0 || msg.session.length > 128) {
        socket.close(CLOSE_CODES.unauthorized, 'the first message must be {type:"auth", token, session}');
        return;
      }
      const user = authenticateSocket(socket, ctx.users, limiter, req.ip, msg.token, 'sensor', 'ingest');
      if (!user) return;
      ctx.sockets.register(user, socket);
      allowed = new Set(user.sensors ?? [user.name]);
      session = `${user.name}/${msg.session}`;
      if (!sessions.has(session)) {
        sessions.set(session, 0);
        if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
      }
      socket.send(JSON.stringify({ type: 'ready', seq: sessions.get(session) }));
    };

    socket.on('message', guarded('ingest message', ctx.log, (data: unknown) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(data));
      } catch {
        msg = undefined;
      }
      if (session === null) {
        if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
          clearTimeout(authTimer);
          socket.close(CLOSE_CODES.badMessage, 'messages must be JSON objects');
          return;
        }
        onAuth(msg as Record<string, unknown>);
        return;
      }
      if (msg === undefined) {
        refuse('malformed', null, 'a record must be JSON');
        return;
      }
      onRecord(msg);
    }));
  });
}
