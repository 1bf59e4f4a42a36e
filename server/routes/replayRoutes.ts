// /datasets and /replays: the UI's training mode — a stored dataset replayed on its own channel.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerContext } from '../serverContext.ts';
import { authErrors, nameString, ref } from '../schemas.ts';
import { notFound } from './caseFile.ts';

function unavailable(reply: FastifyReply) {
  return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: 'replays are not available on this server (no dataset catalogue configured)' });
}

export async function replayRoutes(app: FastifyInstance, { ctx }: { ctx: ServerContext }): Promise<void> {
  app.get('/datasets', {
    config: { access: 'viewer' },
    schema: {
      tags: ['replays'], summary: 'Datasets available for replay',
      response: {
        200: {
          type: 'object',
          properties: {
            datasets: {
              type: 'array',
              items: { type: 'object', properties: { name: { type: 'string' }, description: { type: 'string' }, files: { type: 'integer' }, labelled: { type: 'boolean' } } },
            },
          },
        },
        ...authErrors,
      },
    },
  }, async () => ({ datasets: ctx.replayRunner ? await ctx.replayRunner.datasets() : [] }));

  app.post<{ Body: { dataset: string; speed: number } }>('/replays', {
    config: { access: 'analyst' },
    schema: {
      tags: ['replays'], summary: 'Replay a dataset on channel replay:<id> (subscribe to it on the stream); never stored',
      body: {
        type: 'object', additionalProperties: false, required: ['dataset'],
        properties: { dataset: nameString, speed: { type: 'number', exclusiveMinimum: 0, maximum: 10_000, default: 10 } },
      },
      response: { 201: ref('Replay'), 400: ref('Error'), 404: ref('Error'), 409: ref('Error'), 503: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    if (!ctx.replays || !ctx.replayRunner) return unavailable(reply);
    const known = await ctx.replayRunner.datasets();
    if (!known.some((d) => d.name === req.body.dataset)) {
      return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no dataset '${req.body.dataset}'; GET /api/v1/datasets lists them` });
    }
    try {
      return reply.code(201).send(await ctx.replays.start(req.body.dataset, req.body.speed));
    } catch (err) {
      return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: (err as Error).message });
    }
  });

  app.get<{ Params: { id: string } }>('/replays/:id', {
    config: { access: 'viewer' },
    schema: { tags: ['replays'], summary: 'A replay\'s state', params: { type: 'object', properties: { id: nameString }, required: ['id'] }, response: { 200: ref('Replay'), 404: ref('Error'), 503: ref('Error'), ...authErrors } },
  }, async (req, reply) => {
    if (!ctx.replays) return unavailable(reply);
    const r = ctx.replays.get(req.params.id);
    if (!r) return notFound(reply, `no replay ${req.params.id}`);
    return r;
  });

  app.get<{ Params: { id: string } }>('/replays/:id/incidents', {
    config: { access: 'viewer' },
    schema: {
      tags: ['replays'], summary: "A replay's incidents (its findings grouped as live ones are, in a book of its own), newest first",
      params: { type: 'object', properties: { id: nameString }, required: ['id'] },
      response: {
        200: { type: 'object', properties: { incidents: { type: 'array', items: ref('Incident') } } },
        404: ref('Error'), 503: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    if (!ctx.replays) return unavailable(reply);
    const incidents = ctx.replays.incidents(req.params.id);
    if (!incidents) return notFound(reply, `no replay ${req.params.id}`);
    return { incidents };
  });

  app.delete<{ Params: { id: string } }>('/replays/:id', {
    config: { access: 'analyst' },
    schema: { tags: ['replays'], summary: 'Stop a replay', params: { type: 'object', properties: { id: nameString }, required: ['id'] }, response: { 200: ref('Replay'), 404: ref('Error'), 503: ref('Error'), ...authErrors } },
  }, async (req, reply) => {
    if (!ctx.replays) return unavailable(reply);
    const r = ctx.replays.stop(req.params.id);
    if (!r) return notFound(reply, `no replay ${req.params.id}`);
    return r;
  });
}
