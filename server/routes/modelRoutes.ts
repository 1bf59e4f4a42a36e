// /models: versions with metrics, training jobs, promote and roll back (through the model registry).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerContext } from '../serverContext.ts';
import { MODEL_VERSION_SCHEMA } from '../recordSchemas.ts';
import { authErrors, nameString, ref } from '../schemas.ts';
import { trainingInputs } from '../training/trainingInputs.ts';

/** training reads 1 s windows page by page: 90 days is 2160 pages and 7.8 M windows */
const MAX_TRAINING_RANGE_MS = 90 * 86_400_000;

function unavailable(reply: FastifyReply) {
  return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: 'no model registry is configured: start the server with --models DIR' });
}

export async function modelRoutes(app: FastifyInstance, { ctx }: { ctx: ServerContext }): Promise<void> {
  const errors = { 400: ref('Error'), 404: ref('Error'), 409: ref('Error'), 503: ref('Error'), ...authErrors };

  app.get('/models', {
    config: { access: 'viewer' },
    schema: {
      tags: ['models'],
      summary: 'Model versions with their evaluation metrics; `live` marks the one in use',
      response: {
        200: {
          type: 'object',
          properties: {
            models: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  version: { type: 'string' }, createdAt: { type: 'string' }, live: { type: 'boolean' },
                  metrics: { type: 'object', additionalProperties: { type: 'number' } }, maturity: { type: 'number' },
                },
              },
            },
            jobs: { type: 'array', items: ref('TrainingJob') },
          },
        },
        ...errors,
      },
    },
  }, async (_req, reply) => {
    if (!ctx.models) return unavailable(reply);
    return { models: await ctx.models.list(), jobs: ctx.training!.list() };
  });

  app.post<{ Body: { from: number; to: number; sensor?: string } }>('/models/train', {
    config: { access: 'admin' },
    schema: {
      tags: ['models'],
      summary: 'Start training a new version from stored history; progress arrives on the stream as `training`',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: { from: { type: 'integer', minimum: 0 }, to: { type: 'integer', minimum: 0 }, sensor: nameString },
      },
      response: { 202: ref('TrainingJob'), ...errors },
    },
  }, async (req, reply) => {
    if (!ctx.models) return unavailable(reply);
    if (req.body.to <= req.body.from) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: '`to` must be after `from`' });
    if (req.body.to - req.body.from > MAX_TRAINING_RANGE_MS) {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `a training range may cover at most ${MAX_TRAINING_RANGE_MS / 86_400_000} days of 1 s windows; narrow from/to (the raw retention is 7 days by default)` });
    }
    // confirmed incidents never become normal; accepted rules travel with the model
    const inputs = await trainingInputs(ctx, req.body);
    const job = ctx.training!.start({ ...req.body, ...inputs });
    if (!job) return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: 'a training job is already running; wait for it (GET /api/v1/models)' });
    await ctx.audit.append({
      user: req.user!.name, action: 'model.train', target: `job:${job.id}`,
      details: { ...req.body, excludedRanges: inputs.exclude.length, rules: inputs.rules.map((r) => r.id) },
    });
    return reply.code(202).send(job);
  });

  app.get<{ Params: { id: string } }>('/models/jobs/:id', {
    config: { access: 'viewer' },
    schema: { tags: ['models'], summary: 'A training job\'s state and progress', params: { type: 'object', properties: { id: nameString }, required: ['id'] }, response: { 200: ref('TrainingJob'), ...errors } },
  }, async (req, reply) => {
    if (!ctx.models) return unavailable(reply);
    const job = ctx.training!.get(req.params.id);
    if (!job) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no training job ${req.params.id}` });
    return job;
  });

  app.post<{ Params: { version: string } }>('/models/:version/promote', {
    config: { access: 'admin' },
    schema: {
      tags: ['models'], summary: 'Make a version live',
      params: { type: 'object', properties: { version: MODEL_VERSION_SCHEMA }, required: ['version'] },
      response: { 200: { type: 'object', properties: { live: { type: 'string' } } }, ...errors },
    },
  }, async (req, reply) => {
    if (!ctx.models) return unavailable(reply);
    try {
      await ctx.models.promote(req.params.version);
    } catch (err) {
      return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: (err as Error).message });
    }
    await ctx.audit.append({ user: req.user!.name, action: 'model.promote', target: `model:${req.params.version}`, details: {} });
    return { live: req.params.version };
  });

  app.post('/models/rollback', {
    config: { access: 'admin' },
    schema: { tags: ['models'], summary: 'Make the previous live version live again', response: { 200: { type: 'object', properties: { live: { type: 'string' } } }, ...errors } },
  }, async (req, reply) => {
    if (!ctx.models) return unavailable(reply);
    let version: string;
    try {
      ({ version } = await ctx.models.rollback());
    } catch (err) {
      return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: (err as Error).message });
    }
    await ctx.audit.append({ user: req.user!.name, action: 'model.rollback', target: `model:${version}`, details: {} });
    return { live: version };
  });
}
