// /suppressions: quiet known-benign anomalies by host, remote or kind until an expiry.
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../serverContext.ts';
import { ENUMS, authErrors, nameString, ref } from '../schemas.ts';

interface SuppressionBody {
  scope: { host?: string; remote?: string; kind?: string };
  reason: string;
  expiresAt?: number;
  durationMs?: number;
}

export async function suppressionRoutes(app: FastifyInstance, { ctx }: { ctx: ServerContext }): Promise<void> {
  app.get<{ Querystring: { all?: boolean } }>('/suppressions', {
    config: { access: 'viewer' },
    schema: {
      tags: ['suppressions'], summary: 'Active suppressions (all=true includes expired ones)',
      querystring: { type: 'object', additionalProperties: false, properties: { all: { type: 'boolean', default: false } } },
      response: { 200: { type: 'object', properties: { suppressions: { type: 'array', items: ref('Suppression') } } }, 400: ref('Error'), ...authErrors },
    },
  }, async (req) => ({ suppressions: ctx.suppressions.list(Date.now(), req.query.all === true) }));

  app.post<{ Body: SuppressionBody }>('/suppressions', {
    config: { access: 'admin' },
    schema: {
      tags: ['suppressions'],
      summary: 'Add a suppression: matching anomalies are marked suppressed and not alerted',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['scope', 'reason'],
        properties: {
          scope: {
            type: 'object', additionalProperties: false, minProperties: 1,
            properties: { host: nameString, remote: nameString, kind: { type: 'string', enum: ENUMS.kind } },
          },
          reason: { type: 'string', minLength: 1, maxLength: 1000 },
          expiresAt: { type: 'integer', minimum: 0, description: 'ms since the epoch' },
          durationMs: { type: 'integer', minimum: 1000, maximum: 31_536_000_000, description: 'instead of expiresAt' },
        },
      },
      response: { 201: ref('Suppression'), 400: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    const b = req.body;
    const now = Date.now();
    const expiresAt = b.expiresAt ?? now + (b.durationMs ?? 86_400_000);
    if (expiresAt <= now) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'expiresAt is in the past' });
    const s = ctx.suppressions.add({ scope: b.scope, reason: b.reason, expiresAt, createdBy: req.user!.name });
    await ctx.audit.append({ user: req.user!.name, action: 'suppression.add', target: `suppression:${s.id}`, details: { scope: s.scope, reason: s.reason, expiresAt } });
    return reply.code(201).send(s);
  });

  app.delete<{ Params: { id: string } }>('/suppressions/:id', {
    config: { access: 'admin' },
    schema: {
      tags: ['suppressions'], summary: 'Remove a suppression',
      params: { type: 'object', properties: { id: nameString }, required: ['id'] },
      response: { 200: ref('Suppression'), 404: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    const s = ctx.suppressions.remove(req.params.id);
    if (!s) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no suppression ${req.params.id}` });
    await ctx.audit.append({ user: req.user!.name, action: 'suppression.remove', target: `suppression:${s.id}`, details: { scope: s.scope } });
    return s;
  });
}
