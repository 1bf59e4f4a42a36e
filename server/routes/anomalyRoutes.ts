// /anomalies: list (filtered, paged), one with its evidence and audit trail, analyst actions, case file.
// Every finding carries its incident (`incidentId`) and the incident's analyst status; actions on
// a finding act on its incident (see incidentRoutes.ts for the incident view).
import type { FastifyInstance } from 'fastify';
import { attackTechniques } from '../../model/index.ts';
import { subjectMatcher } from '../anomalies/subjectSearch.ts';
import type { AnalystAction, AnomalyView } from '../protocol.ts';
import type { ServerContext } from '../serverContext.ts';
import { actionBody, authErrors, nameString, ref } from '../schemas.ts';
import { badCursor, decodeCursor, LIST_QUERY_PROPERTIES, matchesFilter, pageNewestFirst, type AnomalyFilter } from './anomalyQuery.ts';
import { caseFile, caseFileSchema, notFound } from './caseFile.ts';
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
          ...LIST_QUERY_PROPERTIES,
          q: { ...nameString, description: 'an IP address, a CIDR prefix or a domain (and names under it)' },
          incident: { ...nameString, description: 'only the findings of this incident' },
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
    if (cursor === null) return badCursor(reply);
    const search = subjectMatcher(q.q ?? '');
    const filtered = (await collectFindings(ctx, q))
      .filter((a) => matchesFilter(a, q) && search(a.subject) && (q.incident === undefined || a.incidentId === q.incident));
    const { page, next } = pageNewestFirst(filtered, q.limit, cursor);
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
    if (!a) return notFound(reply, `no anomaly with id ${req.params.id}`);
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
    if (!a) return notFound(reply, `no anomaly with id ${req.params.id}`);
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
        200: caseFileSchema({
          anomaly: ref('Anomaly'),
          attack: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, tactic: { type: 'string' } } } },
          evidence: { type: 'object', additionalProperties: true },
        }),
        404: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const a = await findAnomaly(ctx, req.params.id);
    if (!a) return notFound(reply, `no anomaly with id ${req.params.id}`);
    return caseFile(ctx, req, reply, { kind: 'anomaly', id: a.id, details: a.incidentId ? { incident: a.incidentId } : {} }, async () => {
      const evidence = ctx.evidence.record(a.id);
      return {
        anomaly: a, relatedWindows: await relatedWindows(ctx, a, clientGone(reply)), audit: await auditOf(ctx, a),
        attack: a.attack ?? attackTechniques(a),
        ...(evidence ? { evidence } : {}),
      };
    });
  });
}
