// /anomalies: list (filtered, paged), one with its evidence and audit trail, analyst actions, case file.
// Every finding carries its incident (`incidentId`) and the incident's analyst status; actions on
// a finding act on its incident (see incidentRoutes.ts for the incident view).
import type { FastifyInstance } from 'fastify';
import { attackTechniques } from '../../model/index.ts';
import { subjectMatcher } from '../anomalies/subjectSearch.ts';
import type { AnalystAction, AnomalyView } from '../protocol.ts';
import type { ServerContext } from '../serverContext.ts';
import { ENUMS, actionBody, authErrors, nameString, ref, timeRange } from '../schemas.ts';
import { decodeCursor, matchesFilter, pageAnomalies, type AnomalyFilter } from './anomalyQuery.ts';
import { clientGone } from './clientGone.ts';
import { collectFindings, findAnomaly } from './findings.ts';

export { findAnomaly } from './findings.ts';

const RELATED_MARGIN_MS = 60_000;
/** 1 s windows shown around an anomaly: from a minute before it, at most this many */
const RELATED_WINDOWS = 600;
export const ERROR_NAME = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict' } as const;

/** A finding's audit trail: entries about its incident and any older entries about the finding itself. */
export async function auditOf(ctx: ServerContext, a: AnomalyView) {
  const own = await ctx.audit.entries({ target: `anomaly:${a.id}` });
  const incident = a.incidentId ? await ctx.audit.entries({ target: `incident:${a.incidentId}` }) : [];
  return [...own, ...incident].sort((x, y) => x.seq - y.seq);
}

export async function relatedWindows(ctx: ServerContext, a: AnomalyView, signal?: AbortSignal) {
  // the range is bounded by the windows shown, not by the incident: an incident's end is what a sensor said
  const from = a.start - RELATED_MARGIN_MS;
  const to = Math.min(a.end + RELATED_MARGIN_MS, from + RELATED_WINDOWS * 1_000);
  return ctx.history.windows({ from, to, sensor: a.sensor, resolution: '1s', limit: RELATED_WINDOWS, ...(signal ? { signal } : {}) });
}

export async function anomalyRoutes(app: FastifyInstance, { ctx }: { ctx: ServerContext }): Promise<void> {
  app.get<{ Querystring: AnomalyFilter & { q?: string; incident?: string; limit: number; cursor?: string } }>('/anomalies', {
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
          q: { ...nameString, description: 'an IP address, a CIDR prefix or a domain (and names under it)' },
          incident: { ...nameString, description: 'only the findings of this incident' },
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
    const search = subjectMatcher(q.q ?? '');
    const filtered = (await collectFindings(ctx, q))
      .filter((a) => matchesFilter(a, q) && search(a.subject) && (q.incident === undefined || a.incidentId === q.incident));
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
      anomaly: a, relatedWindows: await relatedWindows(ctx, a, clientGone(reply)), audit: await auditOf(ctx, a),
      ...(evidence ? { evidence } : {}),
    };
  });

  app.post<{ Params: { id: string }; Body: { action: AnalystAction; note?: string; assignee?: string } }>('/anomalies/:id/actions', {
    config: { access: 'analyst' },
    schema: {
      tags: ['anomalies'],
      summary: 'An analyst action on the finding\'s incident: acknowledge, escalate, false-positive, resolve, comment or assign',
      params: { type: 'object', properties: { id: nameString }, required: ['id'] },
      body: actionBody,
      response: { 200: { type: 'object', properties: { anomaly: ref('Anomaly') } }, 400: ref('Error'), 404: ref('Error'), 409: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    const a = await findAnomaly(ctx, req.params.id);
    if (!a) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no anomaly with id ${req.params.id}` });
    const out = await ctx.actions.act(a, req.user!.name, req.body);
    if (!out.ok) {
      return reply.code(out.status).send({ statusCode: out.status, error: ERROR_NAME[out.status], message: out.message });
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
    await ctx.audit.append({ user: req.user!.name, action: 'case.export', target: `anomaly:${a.id}`, details: a.incidentId ? { incident: a.incidentId } : {} });
    const evidence = ctx.evidence.record(a.id);
    reply.header('content-disposition', `attachment; filename="case-${a.id.replace(/[^A-Za-z0-9._-]/g, '_')}.json"`);
    return {
      exportedAt: new Date().toISOString(), exportedBy: req.user!.name, anomaly: a,
      relatedWindows: await relatedWindows(ctx, a, clientGone(reply)), audit: await auditOf(ctx, a),
      auditChain: await ctx.audit.verify(),
      attack: a.attack ?? attackTechniques(a),
      ...(evidence ? { evidence } : {}),
    };
  });
}
