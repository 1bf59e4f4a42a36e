// POST /anomalies/:id/false-positive: the analyst's verdict, and the scoped rule it proposes. The
// verdict goes through the workflow (an open anomaly is acknowledged first; both are audited);
// the proposal is only returned: the analyst accepts or edits it with POST /suppressions.
import type { FastifyInstance } from 'fastify';
import { proposeRule } from '../anomalies/ruleProposal.ts';
import type { AnomalyView } from '../protocol.ts';
import type { ServerContext } from '../serverContext.ts';
import { authErrors, nameString, ref } from '../schemas.ts';
import { findAnomaly } from './anomalyRoutes.ts';

const PROPOSAL = {
  type: 'object',
  properties: {
    scope: {
      type: 'object',
      properties: { host: { type: 'string' }, remote: { type: 'string' }, prefix: { type: 'string' }, domain: { type: 'string' }, kind: { type: 'string' } },
    },
    reason: { type: 'string' },
    expiresAt: { type: 'number' },
    anomalyId: { type: 'string' },
  },
} as const;

export async function falsePositiveRoutes(app: FastifyInstance, { ctx }: { ctx: ServerContext }): Promise<void> {
  app.post<{ Params: { id: string }; Body: { note?: string } | undefined }>('/anomalies/:id/false-positive', {
    config: { access: 'analyst' },
    schema: {
      tags: ['anomalies', 'suppressions'],
      summary: 'Mark an anomaly false positive; returns the scoped rule it proposes (accept it with POST /suppressions)',
      params: { type: 'object', properties: { id: nameString }, required: ['id'] },
      body: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 4000 } } },
      response: {
        200: { type: 'object', properties: { anomaly: ref('Anomaly'), proposal: PROPOSAL } },
        404: ref('Error'), 409: ref('Error'), ...authErrors,
      },
    },
    // the note is optional, and so is a body at all
    preValidation: async (req) => { req.body ??= {}; },
  }, async (req, reply) => {
    const found = await findAnomaly(ctx, req.params.id);
    if (!found) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no anomaly with id ${req.params.id}` });
    const user = req.user!.name;
    const note = req.body?.note;
    let anomaly: AnomalyView = found;
    // the verdict may come straight from the feed: acknowledging is the workflow's first step
    const steps = anomaly.status === 'open' ? (['acknowledge', 'false-positive'] as const) : anomaly.status === 'false-positive' ? [] : (['false-positive'] as const);
    for (const action of steps) {
      const out = await ctx.actions.act(anomaly, user, { action, ...(note !== undefined && action === 'false-positive' ? { note } : {}) });
      if (!out.ok) return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: out.message });
      anomaly = out.anomaly;
    }
    return { anomaly, proposal: proposeRule(anomaly, note, Date.now()) };
  });
}
