// /suppressions: quiet known-benign anomalies by host, remote, prefix, domain or kind until an
// expiry. An analyst may add one only to accept (or edit) the rule proposed by a false-positive
// verdict (`anomalyId`); any other suppression needs an admin.
import type { FastifyInstance } from 'fastify';
import { isPrefix, type RuleScope } from '../../model/index.ts';
import type { ServerContext } from '../serverContext.ts';
import { ENUMS, authErrors, nameString, ref } from '../schemas.ts';
import { findAnomaly } from './anomalyRoutes.ts';

interface SuppressionBody {
  scope: RuleScope;
  reason: string;
  expiresAt?: number;
  durationMs?: number;
  anomalyId?: string;
}

const DOMAIN = { type: 'string', minLength: 1, maxLength: 253, pattern: '^\\.?([A-Za-z0-9_-]+\\.)*[A-Za-z0-9_-]+\\.?$' } as const;
const PREFIX = { type: 'string', minLength: 3, maxLength: 64, pattern: '^[0-9A-Fa-f:.]+/[0-9]{1,3}$' } as const;

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
    config: { access: 'analyst' },
    schema: {
      tags: ['suppressions'],
      summary: 'Add a suppression: matching anomalies are marked suppressed and not alerted, and the next training records it in the model',
      description: 'With anomalyId (an anomaly marked false-positive) this accepts the rule POST /anomalies/{id}/false-positive proposed, as it is or edited; analysts may do that. Without it, it needs an admin.',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['scope', 'reason'],
        properties: {
          scope: {
            type: 'object', additionalProperties: false, minProperties: 1,
            properties: { host: nameString, remote: nameString, prefix: PREFIX, domain: DOMAIN, kind: { type: 'string', enum: ENUMS.kind } },
          },
          anomalyId: nameString,
          reason: { type: 'string', minLength: 1, maxLength: 1000 },
          expiresAt: { type: 'integer', minimum: 0, description: 'ms since the epoch' },
          durationMs: { type: 'integer', minimum: 1000, maximum: 31_536_000_000, description: 'instead of expiresAt' },
        },
      },
      response: { 201: ref('Suppression'), 400: ref('Error'), 404: ref('Error'), 409: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    const b = req.body;
    const user = req.user!;
    if (b.anomalyId === undefined && user.role !== 'admin') {
      return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `a suppression without anomalyId needs the admin role; you are ${user.role} (mark the anomaly false-positive and accept its proposed rule instead)` });
    }
    if (b.scope.prefix !== undefined && !isPrefix(b.scope.prefix)) {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `scope.prefix '${b.scope.prefix}' is not a CIDR (e.g. 203.0.113.0/24 or 2001:db8::/48)` });
    }
    if (b.anomalyId !== undefined) {
      const a = await findAnomaly(ctx, b.anomalyId);
      if (!a) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no anomaly with id ${b.anomalyId}` });
      if (a.status !== 'false-positive') {
        return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: `anomaly ${a.id} is ${a.status}, not false-positive: mark it first (POST /anomalies/${a.id}/false-positive)` });
      }
    }
    const now = Date.now();
    const expiresAt = b.expiresAt ?? now + (b.durationMs ?? 86_400_000);
    if (expiresAt <= now) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'expiresAt is in the past' });
    const s = ctx.suppressions.add({ scope: b.scope, reason: b.reason, expiresAt, createdBy: user.name, ...(b.anomalyId !== undefined ? { anomalyId: b.anomalyId } : {}) });
    await ctx.audit.append({
      user: user.name, action: 'suppression.add', target: `suppression:${s.id}`,
      details: { scope: s.scope, reason: s.reason, expiresAt, ...(b.anomalyId !== undefined ? { anomalyId: b.anomalyId } : {}) },
    });
    if (b.anomalyId !== undefined) {
      await ctx.audit.append({ user: user.name, action: 'anomaly.rule-accepted', target: `anomaly:${b.anomalyId}`, details: { suppression: s.id, scope: s.scope, expiresAt } });
    }
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
