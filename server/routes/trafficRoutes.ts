// /windows, /hosts/top and /hosts/:host/timeline: traffic history for the charts. Each checks its
// cost (range / resolution) before reading and stops reading when the client goes away.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { overBudget } from '../history/queryBudget.ts';
import { resolveResolution, type HostPoint, type ResolutionChoice } from '../ports.ts';
import type { ServerContext } from '../serverContext.ts';
import { ENUMS, authErrors, nameString, ref, timeRange } from '../schemas.ts';
import { clientGone } from './clientGone.ts';

interface RangeQuery { from?: number; to?: number; sensor?: string; resolution: ResolutionChoice; limit: number }

const DAY_MS = 86_400_000;

function range(q: { from?: number; to?: number }): { from: number; to: number } {
  const to = q.to ?? Date.now() + DAY_MS;
  return { from: q.from ?? Math.max(0, to - 2 * DAY_MS), to };
}

/** The range, or null after answering 400 when it is empty or over the cost budget. */
function budgetedRange(q: RangeQuery, reply: FastifyReply): { from: number; to: number } | null {
  const r = range(q);
  const problem = r.to <= r.from ? '`to` must be after `from`' : overBudget(r.from, r.to, q.resolution);
  if (!problem) return r;
  void reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: problem });
  return null;
}

export async function trafficRoutes(app: FastifyInstance, { ctx }: { ctx: ServerContext }): Promise<void> {
  const rangeQuery = (extra: Record<string, unknown>) => ({
    type: 'object',
    additionalProperties: false,
    properties: { ...timeRange, sensor: nameString, resolution: { type: 'string', enum: ENUMS.resolution, default: 'auto' }, ...extra },
  });

  app.get<{ Querystring: RangeQuery }>('/windows', {
    config: { access: 'viewer', rateClass: 'history' },
    schema: {
      tags: ['traffic'],
      summary: 'WindowStats for a time range (default: the last two days), one sensor or all, at 1s, 1m, 1h or auto',
      querystring: rangeQuery({ limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 3_600 } }),
      response: {
        200: { type: 'object', properties: { resolution: { type: 'string' }, windows: { type: 'array', items: ref('WindowStats') } } },
        400: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const q = req.query;
    const r = budgetedRange(q, reply);
    if (!r) return reply;
    const windows = await ctx.history.windows({ ...r, sensor: q.sensor, resolution: q.resolution, limit: q.limit, signal: clientGone(reply) });
    return { resolution: resolveResolution(q.resolution, r.from, r.to), windows };
  });

  app.get<{ Querystring: RangeQuery }>('/hosts/top', {
    config: { access: 'viewer', rateClass: 'history' },
    schema: {
      tags: ['traffic'],
      summary: 'Local hosts with the most bytes in a time range',
      querystring: rangeQuery({ limit: { type: 'integer', minimum: 1, maximum: 500, default: 20 } }),
      response: {
        200: {
          type: 'object',
          properties: {
            hosts: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  host: { type: 'string' }, bytesOut: { type: 'number' }, bytesIn: { type: 'number' },
                  flows: { type: 'number' }, peersMax: { type: 'number' }, windows: { type: 'integer' }, anomalies: { type: 'integer' },
                },
              },
            },
          },
        },
        400: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const q = req.query;
    const r = budgetedRange(q, reply);
    if (!r) return reply;
    const signal = clientGone(reply);
    const windows = await ctx.history.windows({ ...r, sensor: q.sensor, resolution: q.resolution, limit: 10_000, signal });
    const hosts = new Map<string, { host: string; bytesOut: number; bytesIn: number; flows: number; peersMax: number; windows: number; anomalies: number }>();
    for (const w of windows) {
      for (const h of w.topLocalHosts) {
        let e = hosts.get(h.host);
        if (!e) hosts.set(h.host, (e = { host: h.host, bytesOut: 0, bytesIn: 0, flows: 0, peersMax: 0, windows: 0, anomalies: 0 }));
        e.bytesOut += h.bytesOut; e.bytesIn += h.bytesIn; e.flows += h.flows;
        e.peersMax = Math.max(e.peersMax, h.peers); e.windows++;
      }
    }
    for (const a of await ctx.history.anomalies({ ...r, sensor: q.sensor, limit: 10_000 })) {
      const e = a.subject.localHost ? hosts.get(a.subject.localHost) : undefined;
      if (e) e.anomalies++;
    }
    return { hosts: [...hosts.values()].sort((a, b) => b.bytesOut + b.bytesIn - a.bytesOut - a.bytesIn).slice(0, q.limit) };
  });

  app.get<{ Params: { host: string }; Querystring: RangeQuery }>('/hosts/:host/timeline', {
    config: { access: 'viewer', rateClass: 'history' },
    schema: {
      tags: ['traffic'],
      summary: 'One local host over time: its traffic per window where it was in the top-K, per minute where it was not (and at 1m/1h), and its anomalies',
      params: { type: 'object', properties: { host: nameString }, required: ['host'] },
      querystring: rangeQuery({ limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 3_600 } }),
      response: {
        200: {
          type: 'object',
          properties: {
            host: { type: 'string' },
            points: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  sensor: { type: 'string' }, start: { type: 'number' }, durationMs: { type: 'number' }, bytesOut: { type: 'number' },
                  bytesIn: { type: 'number' }, flows: { type: 'number' }, peers: { type: 'number' }, dstPorts: { type: 'number' },
                },
              },
            },
            anomalies: { type: 'array', items: ref('Anomaly') },
          },
        },
        400: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const q = req.query;
    const r = budgetedRange(q, reply);
    if (!r) return reply;
    const signal = clientGone(reply);
    const host = req.params.host;
    let points: HostPoint[] = [];
    if (ctx.history.hostSeries) {
      points = (await ctx.history.hostSeries({ ...r, sensor: q.sensor, host, resolution: q.resolution, signal })).slice(0, q.limit);
    } else {
      for (const w of await ctx.history.windows({ ...r, sensor: q.sensor, resolution: q.resolution, limit: q.limit, signal })) {
        const h = w.topLocalHosts.find((x) => x.host === host);
        if (h) points.push({ sensor: w.sensor, start: w.start, durationMs: w.durationMs, bytesOut: h.bytesOut, bytesIn: h.bytesIn, flows: h.flows, peers: h.peers, dstPorts: h.dstPorts });
      }
    }
    const anomalies = (await ctx.history.anomalies({ ...r, sensor: q.sensor, limit: 10_000 }))
      .map((a) => ctx.book.get(a.id) ?? a)
      .filter((a) => a.subject.localHost === host);
    return { host, points, anomalies };
  });
}
