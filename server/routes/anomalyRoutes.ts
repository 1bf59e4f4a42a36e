// /anomalies: list (filtered, paged), one with its evidence and audit trail, analyst actions, case file.
import type { FastifyInstance } from 'fastify';
import { attackTechniques } from '../../model/index.ts';
import type { AnalystAction, AnomalyView } from '../protocol.ts';
import type { ServerContext } from '../serverContext.ts';
import { ENUMS, authErrors, nameString, ref, timeRange } from '../schemas.ts';
import { decodeCursor, matchesFilter, pageAnomalies, type AnomalyFilter } from './anomalyQuery.ts';
import { clientGone } from './clientGone.ts';

const HISTORY_LIMIT = 10_000;
const RELATED_MARGIN_MS = 60_000;
/** 1 s windows shown around an anomaly: from a minute before it, at most this many */
const RELATED_WINDOWS = 600;

export async function findAnomaly(ctx: ServerContext, id: string): Promise<AnomalyView | undefined> {
  const held = ctx.book.get(id);
  if (held) return held;
  if (ctx.history === ctx.recent) return undefined;
  const found = ctx.history.anomaly
    ? await ctx.history.anomaly(id)
    : (await ctx.history.anomalies({ from: 0, to: Date.now() + 86_400_000, limit: HISTORY_LIMIT })).find((a) => a.id === id);
  return found ? ctx.book.remember(found) : undefined;
}

async function relatedWindows(ctx: ServerContext, a: AnomalyView, signal: AbortSignal) {
  // the range is bounded by the windows shown, not by the incident: an incident's end is what a sensor said
  const from = a.start - RELATED_MARGIN_MS;
  const to = Math.min(a.end + RELATED_MARGIN_MS, from + RELATED_WINDOWS * 1_000);
  return ctx.history.windows({ from, to, sensor: a.sensor, resolution: '1s', limit: RELATED_WINDOWS, signal });
}

export async function anomalyRoutes(app: FastifyInstance, { ctx }: { ctx: ServerContext }): Promise<void> {
  app.get<{ Querystring: AnomalyFilter & { limit: number; cursor?: string } }>('/anomalies', {
    config: { access: 'viewer' },
    schema: {
      tags: ['anomalies'],
      summary: 'Anomalies, newest first, filtered and paged with a cursor',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          status: { type: 'string', enum: ENUMS.status }, level: { type: 'string', enum: ENUMS.level },
          kind: { type: 'string', enum: ENUMS.kind }, sensor: nameString, host: nameString, ...timeRange,
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          cursor: { type: 'string', maxLength: 1024 },
        },
      },
      response: {
        200: { type: 'object', properties: { anomalies: { type: 'array', items: ref('Anomaly') }, nextCursor: { type: 'string' } } },
        400: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const q = req.query;
    const cursor = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
    if (cursor === null) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'cursor is not one this server issued; start again without it' });
    const byId = new Map<string, AnomalyView>();
    if (ctx.history !== ctx.recent) {
      const stored = await ctx.history.anomalies({ from: q.from ?? 0, to: q.to ?? Date.now() + 86_400_000, sensor: q.sensor, limit: HISTORY_LIMIT });
      for (const a of stored) byId.set(a.id, a);
    }
    for (const a of ctx.book.all()) byId.set(a.id, a);
    const filtered = [...byId.values()].filter((a) => matchesFilter(a, q));
    const { page, next } = pageAnomalies(filtered, q.limit, cursor);
    return next ? { anomalies: page, nextCursor: next } : { anomalies: page };
  });

  app.get<{ Params: { id: string } }>('/anomalies/:id', {
    config: { access: 'viewer' },
    schema: {
      tags: ['anomalies'],
      summary: 'One anomaly: its evidence card, the windows around it and its audit entries',
      params: { type: 'object', properties: { id: nameString }, required: ['id'] },
      response: {
        200: {
          type: 'object',
          properties: {
            anomaly: ref('Anomaly'), relatedWindows: { type: 'array', items: ref('WindowStats') }, audit: { type: 'array', items: ref('AuditEntry') },
            evidence: { type: 'object', additionalProperties: true },
          },
        },
        404: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const a = await findAnomaly(ctx, req.params.id);
    if (!a) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no anomaly with id ${req.params.id}` });
    const evidence = ctx.evidence.record(a.id);
    return {
      anomaly: a, relatedWindows: await relatedWindows(ctx, a, clientGone(reply)), audit: await ctx.audit.entries({ target: `anomaly:${a.id}` }),
      ...(evidence ? { evidence } : {}),
    };
  });

  app.post<{ Params: { id: string }; Body: { action: AnalystAction; note?: string; assignee?: string } }>('/anomalies/:id/actions', {
    config: { access: 'analyst' },
    schema: {
      tags: ['anomalies'],
      summary: 'An analyst action: acknowledge, escalate, false-positive, resolve, comment or assign',
      params: { type: 'object', properties: { id: nameString }, required: ['id'] },
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['action'],
        properties: {
          action: { type: 'string', enum: ENUMS.action },
          note: { type: 'string', maxLength: 4000 },
          assignee: { type: 'string', minLength: 1, maxLength: 64 },
        },
      },
      response: { 200: { type: 'object', properties: { anomaly: ref('Anomaly') } }, 400: ref('Error'), 404: ref('Error'), 409: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    const a = await findAnomaly(ctx, req.params.id);
    if (!a) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no anomaly with id ${req.params.id}` });
    const out = await ctx.actions.act(a, req.user!.name, req.body);
    if (!out.ok) {
      return reply.code(out.status).send({ statusCode: out.status, error: out.status === 409 ? 'Conflict' : 'Bad Request', message: out.message });
    }
    return { anomaly: out.anomaly };
  });

  app.get<{ Params: { id: string } }>('/anomalies/:id/case', {
    config: { access: 'analyst' },
    schema: {
      tags: ['anomalies', 'audit'],
      summary: 'The case file: the anomaly\'s evidence, related windows and every audit entry about it, as one JSON',
      params: { type: 'object', properties: { id: nameString }, required: ['id'] },
      response: {
        200: {
          type: 'object',
          properties: {
            exportedAt: { type: 'string' }, exportedBy: { type: 'string' }, anomaly: ref('Anomaly'),
            relatedWindows: { type: 'array', items: ref('WindowStats') }, audit: { type: 'array', items: ref('AuditEntry') },
            auditChain: ref('AuditVerify'),
            attack: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, tactic: { type: 'string' } } } },
            evidence: { type: 'object', additionalProperties: true },
          },
        },
        404: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const a = await findAnomaly(ctx, req.params.id);
    if (!a) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no anomaly with id ${req.params.id}` });
    await ctx.audit.append({ user: req.user!.name, action: 'case.export', target: `anomaly:${a.id}`, details: {} });
    const evidence = ctx.evidence.record(a.id);
    reply.header('content-disposition', `attachment; filename="case-${a.id.replace(/[^A-Za-z0-9._-]/g, '_')}.json"`);
    return {
      exportedAt: new Date().toISOString(), exportedBy: req.user!.name, anomaly: a,
      relatedWindows: await relatedWindows(ctx, a, clientGone(reply)), audit: await ctx.audit.entries({ target: `anomaly:${a.id}` }),
      auditChain: await ctx.audit.verify(),
      attack: a.attack ?? attackTechniques(a),
      ...(evidence ? { evidence } : {}),
    };
  });
}
