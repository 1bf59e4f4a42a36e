// Evidence: an anomaly's evidence record and its pcap (download audited, role analyst), and the
// names known for an address (passive DNS, asset names).
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../serverContext.ts';
import { authErrors, nameString, ref } from '../schemas.ts';

const evidenceSchema = { type: 'object', additionalProperties: true, properties: { anomalyId: { type: 'string' }, state: { type: 'string' }, packets: { type: 'integer' } } } as const;
const descriptionSchema = {
  type: 'object',
  properties: {
    ip: { type: 'string' }, names: { type: 'array', items: { type: 'string' } }, lastSeen: { type: 'number' },
    asset: { type: 'object', properties: { cidr: { type: 'string' }, criticality: { type: 'string' }, name: { type: 'string' } } },
  },
} as const;
const idParams = { type: 'object', properties: { id: nameString }, required: ['id'] } as const;

export async function evidenceRoutes(app: FastifyInstance, { ctx }: { ctx: ServerContext }): Promise<void> {
  app.get<{ Params: { id: string } }>('/anomalies/:id/evidence', {
    config: { access: 'viewer' },
    schema: {
      tags: ['anomalies'],
      summary: 'The evidence record of an anomaly: its pcap (file, packets, interval) and the flows of its subject in the peak window',
      params: idParams,
      response: { 200: { type: 'object', properties: { evidence: evidenceSchema } }, 404: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    const evidence = ctx.evidence.record(req.params.id);
    if (!evidence) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no evidence for anomaly ${req.params.id} (the sensor keeps evidence only with a model and without --no-evidence, in its evidence directory)` });
    return { evidence };
  });

  app.get<{ Params: { id: string } }>('/anomalies/:id/pcap', {
    config: { access: 'analyst' },
    schema: {
      tags: ['anomalies', 'audit'],
      summary: 'The pcap around an anomaly: its subject\'s packets from a minute before to a minute after (the download is audited)',
      params: idParams,
      response: { 404: ref('Error'), 409: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    const id = req.params.id;
    const evidence = ctx.evidence.record(id);
    if (!evidence) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no evidence for anomaly ${id}` });
    if (evidence.state !== 'complete') {
      return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: `the pcap of anomaly ${id} is still being recorded (until a minute after the anomaly ends); try again then` });
    }
    const path = ctx.evidence.pcapPath(id);
    if (path === null) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `the pcap of anomaly ${id} is gone (removed to stay within the evidence size limit)` });
    await ctx.audit.append({ user: req.user!.name, action: 'evidence.download', target: `anomaly:${id}`, details: { file: evidence.file ?? '', packets: evidence.packets, bytes: evidence.fileBytes } });
    reply.header('content-type', 'application/vnd.tcpdump.pcap');
    reply.header('content-disposition', `attachment; filename="${evidence.file}"`);
    return reply.send(createReadStream(path));
  });

  app.get<{ Querystring: { ip?: string[]; name?: string; limit: number } }>('/names', {
    config: { access: 'viewer' },
    schema: {
      tags: ['traffic'],
      summary: 'Names for addresses (passive DNS from the wire, asset name and criticality; ip repeatable), or the addresses answered for a domain',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ip: { type: 'array', maxItems: 500, items: { type: 'string', minLength: 2, maxLength: 64, pattern: '^[0-9A-Fa-f.:]+$' } },
          name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u0020]+$' },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
        },
      },
      response: {
        200: { type: 'object', properties: { addresses: { type: 'array', items: descriptionSchema } } },
        400: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const { ip, name, limit } = req.query;
    if ((ip === undefined) === (name === undefined)) {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'give exactly one of ip (an address) or name (a domain)' });
    }
    return { addresses: ip !== undefined ? ip.map((a) => ctx.names.describe(a)) : ctx.names.byName(name!, limit) };
  });
}
