// /baseline: the live model's expected range over a time range, per traffic series (and for one
// host), in the units the charts plot — so the band behind the observed line exists even when
// nothing is anomalous.
import type { FastifyInstance } from 'fastify';
import { BAND_SERIES, BandQueryError, MAX_BAND_POINTS, expectedBands, type BandSeries } from '../../model/index.ts';
import type { ServerContext } from '../serverContext.ts';
import { authErrors, nameString, ref, timeRange } from '../schemas.ts';

interface BaselineQuery { sensor?: string; from?: number; to?: number; step?: number; host?: string; series?: BandSeries[] }

const HOUR_MS = 3_600_000;
/** By default a range is cut into about this many steps (never finer than a minute: slots are hours). */
const DEFAULT_STEPS = 720;
const MIN_DEFAULT_STEP_MS = 60_000;
const DEFAULT_SERIES: readonly BandSeries[] = ['outbound.bytes', 'inbound.bytes', 'internal.bytes', 'outbound.packets', 'inbound.packets', 'internal.packets'];

const bandPoint = {
  type: 'object',
  properties: {
    t: { type: 'number' }, low: { type: 'number' }, median: { type: 'number' }, high: { type: 'number' },
    slot: { type: 'string', enum: ['hour-of-week', 'day-type-hour', 'hour-of-day', 'all'] }, maturity: { type: 'number' },
  },
} as const;
const seriesBand = {
  type: 'object',
  properties: { series: { type: 'string' }, unit: { type: 'string' }, points: { type: 'array', items: bandPoint } },
} as const;

export async function baselineRoutes(app: FastifyInstance, { ctx }: { ctx: ServerContext }): Promise<void> {
  app.get<{ Querystring: BaselineQuery }>('/baseline', {
    config: { access: 'viewer', rateClass: 'history' },
    schema: {
      tags: ['traffic'],
      summary: 'The live model\'s expected range (1st percentile, median, 99th percentile) per step, in bytes/s and packets/s; with `host`, that host\'s own outbound payload baseline',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...timeRange,
          sensor: { ...nameString, description: 'echoed back: the model covers every sensor it was trained on' },
          step: { type: 'integer', minimum: 1_000, description: `ms between points; default: the range over ${DEFAULT_STEPS}, at least a minute; at most ${MAX_BAND_POINTS} points` },
          host: nameString,
          series: { type: 'array', items: { type: 'string', enum: [...BAND_SERIES] }, description: 'repeat or leave out for bytes and packets of every direction' },
        },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            version: { type: 'string' }, sensor: { type: 'string' }, from: { type: 'number' }, to: { type: 'number' }, stepMs: { type: 'number' },
            series: { type: 'array', items: seriesBand },
            host: { type: 'object', properties: { ...seriesBand.properties, host: { type: 'string' }, known: { type: 'boolean' } } },
          },
        },
        400: ref('Error'), 503: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const q = req.query;
    const unavailable = (message: string) => reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message });
    if (!ctx.models?.liveModel) return unavailable('no model registry is configured: start the server with --models DIR to draw expected bands');
    const model = await ctx.models.liveModel();
    if (!model) return unavailable('no model version is live: train one (POST /api/v1/models/train or `spanwatch train`) and promote it');
    const to = q.to ?? Date.now();
    const from = q.from ?? to - HOUR_MS;
    const stepMs = q.step ?? Math.max(MIN_DEFAULT_STEP_MS, Math.ceil((to - from) / DEFAULT_STEPS / 1000) * 1000);
    try {
      const bands = expectedBands(model, { from, to, stepMs, series: q.series ?? DEFAULT_SERIES, host: q.host });
      return { ...bands, from, to, ...(q.sensor ? { sensor: q.sensor } : {}) };
    } catch (err) {
      if (err instanceof BandQueryError) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: err.message });
      throw err;
    }
  });
}
