// The case file both /anomalies/:id/case and /incidents/:id/case answer with: who exported it and
// when, the windows around the finding, the audit entries and the audit chain's state, beside what
// the route adds. The export is audited before the file is put together (so the file lists its own
// export) and offered as an attachment named after the record.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../serverContext.ts';
import { ref } from '../schemas.ts';

/** The 200 response schema of a case file: the common fields and the route's own. */
export function caseFileSchema(own: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      exportedAt: { type: 'string' }, exportedBy: { type: 'string' },
      relatedWindows: { type: 'array', items: ref('WindowStats') }, audit: { type: 'array', items: ref('AuditEntry') },
      auditChain: ref('AuditVerify'),
      ...own,
    },
  };
}

export interface CaseTarget {
  kind: 'anomaly' | 'incident';
  id: string;
  /** what the audit entry of the export records beside its target */
  details: Record<string, unknown>;
}

/** Audits the export of `target`, names the attachment, and returns the file with the route's `body`. */
export async function caseFile<T extends object>(
  ctx: ServerContext, req: FastifyRequest, reply: FastifyReply, target: CaseTarget, body: () => Promise<T>,
): Promise<T & { exportedAt: string; exportedBy: string; auditChain: Awaited<ReturnType<ServerContext['audit']['verify']>> }> {
  const user = req.user!.name;
  await ctx.audit.append({ user, action: 'case.export', target: `${target.kind}:${target.id}`, details: target.details });
  reply.header('content-disposition', `attachment; filename="case-${target.id.replace(/[^A-Za-z0-9._-]/g, '_')}.json"`);
  return { exportedAt: new Date().toISOString(), exportedBy: user, ...(await body()), auditChain: await ctx.audit.verify() };
}

/** The 404 answer for a record that is not there. */
export function notFound(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(404).send({ statusCode: 404, error: 'Not Found', message });
}
