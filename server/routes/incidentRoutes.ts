// /incidents: one row per event — related findings grouped (server/anomalies/incidentGrouping.ts)
// with the analyst status that lives on the incident; one incident with all its findings, its
// audit trail and the incidents related to it (sharing a host or remote within a day); actions;
// the incident's case file.
import type { FastifyInstance } from 'fastify';
import { groupByIncident, incidentView, incidentViews } from '../anomalies/incidentViews.ts';
import { subjectMatcher } from '../anomalies/subjectSearch.ts';
import type { IncidentRecord } from '../anomalies/incidentBook.ts';
import type { AnalystAction, AnomalyView, IncidentView } from '../protocol.ts';
import type { ServerContext } from '../serverContext.ts';
import { actionBody, authErrors, nameString, ref } from '../schemas.ts';
import { auditOf, ERROR_NAME, relatedWindows } from './anomalyRoutes.ts';
import { badCursor, decodeCursor, LIST_QUERY_PROPERTIES, newestFirst, pageNewestFirst } from './anomalyQuery.ts';
import { caseFile, caseFileSchema, notFound } from './caseFile.ts';
import { collectFindings, findAnomaly } from './findings.ts';

const RELATED_SPAN_MS = 24 * 3_600_000;

interface IncidentFilter {
  status?: string; level?: string; kind?: string; sensor?: string; host?: string; q?: string; from?: number; to?: number;
}

function matches(i: IncidentView, findings: AnomalyView[], f: IncidentFilter): boolean {
  const search = subjectMatcher(f.q ?? '');
  return (!f.status || i.status === f.status)
    && (!f.level || i.level === f.level)
    && (!f.kind || i.kinds.includes(f.kind as IncidentView['kinds'][number]))
    && (!f.sensor || i.sensor === f.sensor)
    && (!f.host || i.hosts.includes(f.host) || i.remotes.includes(f.host))
    && (f.from === undefined || i.end >= f.from)
    && (f.to === undefined || i.start < f.to)
    && (!f.q || findings.some((a) => search(a.subject)));
}

async function grouped(ctx: ServerContext, q: { from?: number; to?: number; sensor?: string }): Promise<{ views: IncidentView[]; members: Map<string, AnomalyView[]> }> {
  const members = groupByIncident(await collectFindings(ctx, q));
  return { views: incidentViews(members, (id) => ctx.book.incidents.get(id)), members };
}

/** An incident with its findings and its view; null when there is no such incident or none of its findings is left. */
async function incidentWithFindings(ctx: ServerContext, id: string): Promise<{ record: IncidentRecord; findings: AnomalyView[]; incident: IncidentView } | null> {
  const record = ctx.book.incidents.get(id);
  const findings = await findingsOf(ctx, id);
  if (!record || findings.length === 0) return null;
  return { record, findings, incident: incidentView(record.id, findings, record) };
}

/** An incident's findings: those the server holds, else read back from the store. */
async function findingsOf(ctx: ServerContext, id: string): Promise<AnomalyView[]> {
  const record = ctx.book.incidents.get(id);
  if (!record) return [];
  const out: AnomalyView[] = [];
  for (const anomalyId of record.anomalyIds) {
    const a = await findAnomaly(ctx, anomalyId);
    if (a) out.push(a);
  }
  return out;
}

const incidentSchema = ref('Incident');

export async function incidentRoutes(app: FastifyInstance, { ctx }: { ctx: ServerContext }): Promise<void> {
  app.get<{ Querystring: IncidentFilter & { limit: number; cursor?: string } }>('/incidents', {
    config: { access: 'viewer' },
    schema: {
      tags: ['anomalies'],
      summary: 'Incidents (related findings grouped into one event), newest first, filtered and paged with a cursor',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...LIST_QUERY_PROPERTIES,
          q: { ...nameString, description: 'an IP address, a CIDR prefix or a domain (and names under it), matched against every finding' },
        },
      },
      response: {
        200: { type: 'object', properties: { incidents: { type: 'array', items: incidentSchema }, nextCursor: { type: 'string' } } },
        400: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const q = req.query;
    const cursor = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
    if (cursor === null) return badCursor(reply);
    const { views, members } = await grouped(ctx, { sensor: q.sensor, from: q.from !== undefined ? q.from - RELATED_SPAN_MS : undefined, to: q.to });
    const { page, next } = pageNewestFirst(views.filter((i) => matches(i, members.get(i.id) ?? [], q)), q.limit, cursor);
    return next ? { incidents: page, nextCursor: next } : { incidents: page };
  });

  app.get<{ Params: { id: string } }>('/incidents/:id', {
    config: { access: 'viewer' },
    schema: {
      tags: ['anomalies'],
      summary: 'One incident: every finding in it (most severe first), its audit trail and related incidents',
      params: { type: 'object', properties: { id: nameString }, required: ['id'] },
      response: {
        200: {
          type: 'object',
          properties: {
            incident: incidentSchema, findings: { type: 'array', items: ref('Anomaly') },
            audit: { type: 'array', items: ref('AuditEntry') }, related: { type: 'array', items: incidentSchema },
          },
        },
        404: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const found = await incidentWithFindings(ctx, req.params.id);
    if (!found) return notFound(reply, `no incident with id ${req.params.id}`);
    const { record, findings, incident } = found;
    const { views } = await grouped(ctx, { sensor: incident.sensor, from: incident.start - RELATED_SPAN_MS, to: incident.end + RELATED_SPAN_MS });
    const addresses = new Set([...incident.hosts, ...incident.remotes]);
    const related = views
      .filter((i) => i.id !== incident.id && [...i.hosts, ...i.remotes].some((h) => addresses.has(h)))
      .sort(newestFirst).slice(0, 20);
    const audit = await ctx.audit.entries({ target: `incident:${record.id}` });
    return { incident, findings: [...findings].sort((a, b) => b.severity - a.severity || a.start - b.start), audit, related };
  });

  app.get<{ Params: { id: string } }>('/incidents/:id/case', {
    config: { access: 'analyst' },
    schema: {
      tags: ['anomalies', 'audit'],
      summary: 'The incident\'s case file: every finding, the windows around the most severe one and every audit entry about the incident and its findings, as one JSON',
      params: { type: 'object', properties: { id: nameString }, required: ['id'] },
      response: {
        200: caseFileSchema({ incident: incidentSchema, findings: { type: 'array', items: ref('Anomaly') } }),
        404: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const found = await incidentWithFindings(ctx, req.params.id);
    if (!found) return notFound(reply, `no incident with id ${req.params.id}`);
    const { record, findings, incident } = found;
    return caseFile(ctx, req, reply, { kind: 'incident', id: record.id, details: { findings: findings.length } }, async () => {
      const seen = new Set<number>();
      const audit = (await Promise.all(findings.map((f) => auditOf(ctx, f)))).flat().filter((e) => !seen.has(e.seq) && seen.add(e.seq)).sort((a, b) => a.seq - b.seq);
      return { incident, findings, relatedWindows: await relatedWindows(ctx, incident.headline), audit };
    });
  });

  app.post<{ Params: { id: string }; Body: { action: AnalystAction; note?: string; assignee?: string } }>('/incidents/:id/actions', {
    config: { access: 'analyst' },
    schema: {
      tags: ['anomalies'],
      summary: 'An analyst action on an incident: acknowledge, escalate, false-positive, resolve, comment or assign',
      params: { type: 'object', properties: { id: nameString }, required: ['id'] },
      body: actionBody,
      response: { 200: { type: 'object', properties: { incident: incidentSchema } }, 400: ref('Error'), 404: ref('Error'), 409: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    const findings = await findingsOf(ctx, req.params.id);
    if (findings.length === 0) return notFound(reply, `no incident with id ${req.params.id}`);
    const out = await ctx.actions.act(findings[0]!, req.user!.name, req.body);
    if (!out.ok) return reply.code(out.status).send({ statusCode: out.status, error: ERROR_NAME[out.status], message: out.message });
    return { incident: incidentView(out.incident.id, await findingsOf(ctx, out.incident.id), out.incident) };
  });
}
