// /health (public), /me and /status.
import type { FastifyInstance } from 'fastify';
import { REFUSAL_REASONS } from '../ingest/ingestCounters.ts';
import type { ServerContext } from '../serverContext.ts';
import { authErrors, ref } from '../schemas.ts';

export async function systemRoutes(app: FastifyInstance, { ctx, version }: { ctx: ServerContext; version: string }): Promise<void> {
  app.get('/health', {
    config: { access: 'public' },
    schema: {
      tags: ['system'],
      summary: 'Liveness; public (no token), says nothing about the data',
      response: { 200: { type: 'object', properties: { status: { type: 'string' }, version: { type: 'string' }, time: { type: 'number' } } } },
    },
  }, async () => ({ status: 'ok', version, time: Date.now() }));

  app.get('/me', {
    config: { access: 'viewer' },
    schema: { tags: ['system'], summary: 'The user the token belongs to', response: { 200: ref('User'), ...authErrors } },
  }, async (req) => req.user!);

  app.get('/status', {
    config: { access: 'viewer' },
    schema: {
      tags: ['system'],
      summary: 'Sensors and their capture health, store backlog, model, stream and alert delivery',
      response: {
        200: {
          type: 'object',
          properties: {
            sensors: { type: 'array', items: ref('SensorHealth') },
            store: { type: 'object', properties: { configured: { type: 'boolean' }, backlog: { type: 'number' } } },
            model: {
              type: ['object', 'null'],
              properties: { version: { type: 'string' }, maturity: { type: 'number' } },
            },
            stream: { type: 'object', properties: { clients: { type: 'integer' }, lastId: { type: 'integer' }, published: { type: 'integer' } } },
            ingest: {
              type: 'object',
              properties: {
                windows: { type: 'integer' }, anomalies: { type: 'integer' }, health: { type: 'integer' },
                repeats: { type: 'integer' }, refused: { type: 'integer' },
                refusedBy: { type: 'object', properties: Object.fromEntries(REFUSAL_REASONS.map((r) => [r, { type: 'integer' }])) },
                sensors: { type: 'integer' }, maxSensors: { type: 'integer' },
              },
            },
            anomalies: { type: 'object', properties: { held: { type: 'integer' }, open: { type: 'integer' } } },
            alerts: {
              type: 'object',
              properties: {
                level: { type: 'string' }, sinks: { type: 'array', items: { type: 'string' } },
                queued: { type: 'integer' }, delivered: { type: 'integer' }, failed: { type: 'integer' },
                dropped: { type: 'integer' }, deduplicated: { type: 'integer' }, lastError: { type: ['string', 'null'] },
              },
            },
          },
        },
        ...authErrors,
      },
    },
  }, async () => {
    let model: { version: string; maturity: number } | null = null;
    if (ctx.models) {
      const live = (await ctx.models.list().catch(() => [])).find((m) => m.live);
      if (live) model = { version: live.version, maturity: live.maturity ?? 0 };
    }
    const held = ctx.book.all();
    return {
      sensors: ctx.sensors.list(),
      store: { configured: ctx.history !== ctx.recent, backlog: ctx.storeBacklog() },
      model,
      stream: { clients: ctx.hub.clientCount, lastId: ctx.hub.lastId, published: ctx.hub.published },
      ingest: {
        windows: ctx.feed.windowsIn, anomalies: ctx.feed.anomaliesIn, health: ctx.feed.healthIn,
        repeats: ctx.ingest.repeats, refused: ctx.ingest.refused, refusedBy: ctx.ingest.refusedBy,
        sensors: ctx.sensors.size, maxSensors: ctx.sensors.limits.maxSensors,
      },
      anomalies: { held: held.length, open: held.filter((a) => a.status === 'open').length },
      alerts: { level: ctx.alerts.level, sinks: ctx.alerts.sinkNames, ...ctx.alerts.counters },
    };
  });
}
