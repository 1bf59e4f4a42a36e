// /audit (list, verify) and /users (admin): the accountability side of the API.
import type { FastifyInstance } from 'fastify';
import type { Role } from '../protocol.ts';
import type { ServerContext } from '../serverContext.ts';
import { USER_NAME_PATTERN } from '../auth/userStore.ts';
import { ENUMS, authErrors, nameString, ref } from '../schemas.ts';

/** The expiry a request asks for: a Date, undefined for none, or the message of a 400. */
function expiryOf(body: { expiresAt?: string; expiresIn?: number }): Date | undefined | string {
  if (body.expiresAt !== undefined && body.expiresIn !== undefined) return 'give expiresAt or expiresIn, not both';
  const at = body.expiresAt !== undefined ? new Date(body.expiresAt) : body.expiresIn !== undefined ? new Date(Date.now() + body.expiresIn * 1000) : undefined;
  if (at !== undefined && !(at.getTime() > Date.now())) return `expiresAt ${body.expiresAt} is not in the future`;
  return at;
}

export async function adminRoutes(app: FastifyInstance, { ctx }: { ctx: ServerContext }): Promise<void> {
  app.get<{ Querystring: { target?: string; user?: string; action?: string; limit: number } }>('/audit', {
    config: { access: 'analyst' },
    schema: {
      tags: ['audit'], summary: 'Audit entries, newest last (the last `limit` matching)',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { target: nameString, user: nameString, action: nameString, limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 500 } },
      },
      response: { 200: { type: 'object', properties: { entries: { type: 'array', items: ref('AuditEntry') } } }, 400: ref('Error'), ...authErrors },
    },
  }, async (req) => {
    const { limit, ...filter } = req.query;
    return { entries: (await ctx.audit.entries(filter)).slice(-limit) };
  });

  app.get('/audit/verify', {
    config: { access: 'analyst' },
    schema: { tags: ['audit'], summary: 'Check the keyed chain and the latest anchor; reports the first edited, removed, reordered or truncated entry', response: { 200: ref('AuditVerify'), ...authErrors } },
  }, async () => ctx.audit.verify(await ctx.anchoring.latest()));

  app.get('/users', {
    config: { access: 'admin' },
    schema: { tags: ['users'], summary: 'Users and roles (never tokens)', response: { 200: { type: 'object', properties: { users: { type: 'array', items: ref('User') } } }, ...authErrors } },
  }, async () => ({ users: ctx.users.list() }));

  app.post<{ Body: { name: string; role: Role; sensors?: string[]; expiresAt?: string; expiresIn?: number } }>('/users', {
    config: { access: 'admin' },
    schema: {
      tags: ['users'], summary: 'Create a user (or replace its token, role, expiry and sensors); the token is in this response only',
      body: {
        type: 'object', additionalProperties: false, required: ['name', 'role'],
        properties: {
          name: { type: 'string', pattern: USER_NAME_PATTERN },
          role: { type: 'string', enum: ENUMS.role },
          sensors: { type: 'array', maxItems: 64, items: { type: 'string', pattern: USER_NAME_PATTERN }, description: 'sensor names a token of role sensor may send as' },
          expiresAt: { type: 'string', format: 'date-time', description: 'when the token stops working' },
          expiresIn: { type: 'integer', minimum: 1, maximum: 10 * 365 * 86_400, description: 'seconds until the token stops working' },
        },
      },
      response: {
        201: { type: 'object', properties: { name: { type: 'string' }, role: { type: 'string' }, token: { type: 'string' }, expiresAt: { type: 'string' }, sensors: { type: 'array', items: { type: 'string' } } } },
        400: ref('Error'), ...authErrors,
      },
    },
  }, async (req, reply) => {
    const { name, role, sensors } = req.body;
    const expiresAt = expiryOf(req.body);
    if (typeof expiresAt === 'string') return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: expiresAt });
    let token: string;
    try {
      token = ctx.users.add(name, role, { expiresAt, sensors });
    } catch (err) {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: (err as Error).message });
    }
    const user = ctx.users.get(name);
    await ctx.audit.append({ user: req.user!.name, action: 'user.add', target: `user:${name}`, details: { role, ...(user?.expiresAt ? { expiresAt: user.expiresAt } : {}), ...(user?.sensors ? { sensors: user.sensors } : {}) } });
    return reply.code(201).send({ name, role, token, ...(user?.expiresAt ? { expiresAt: user.expiresAt } : {}), ...(user?.sensors ? { sensors: user.sensors } : {}) });
  });

  app.post<{ Params: { name: string }; Body: { expiresAt?: string; expiresIn?: number } | undefined }>('/users/:name/rotate', {
    config: { access: 'admin' },
    schema: {
      tags: ['users'], summary: 'Give a user a new token (in this response only); the old one stops working at once and its sockets close',
      params: { type: 'object', properties: { name: nameString }, required: ['name'] },
      body: {
        type: ['object', 'null'], additionalProperties: false,
        properties: { expiresAt: { type: 'string', format: 'date-time' }, expiresIn: { type: 'integer', minimum: 1, maximum: 10 * 365 * 86_400 } },
      },
      response: { 200: { type: 'object', properties: { name: { type: 'string' }, token: { type: 'string' }, expiresAt: { type: 'string' } } }, 400: ref('Error'), 404: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    const expiresAt = expiryOf(req.body ?? {});
    if (typeof expiresAt === 'string') return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: expiresAt });
    const token = ctx.users.rotate(req.params.name, { expiresAt });
    if (token === null) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no user ${req.params.name}` });
    const user = ctx.users.get(req.params.name);
    await ctx.audit.append({ user: req.user!.name, action: 'user.rotate', target: `user:${req.params.name}`, details: user?.expiresAt ? { expiresAt: user.expiresAt } : {} });
    return { name: req.params.name, token, ...(user?.expiresAt ? { expiresAt: user.expiresAt } : {}) };
  });

  app.delete<{ Params: { name: string } }>('/users/:name', {
    config: { access: 'admin' },
    schema: {
      tags: ['users'], summary: 'Remove a user; its token stops working at once and its open sockets close',
      params: { type: 'object', properties: { name: nameString }, required: ['name'] },
      response: { 200: { type: 'object', properties: { removed: { type: 'string' } } }, 404: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    if (!ctx.users.remove(req.params.name)) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no user ${req.params.name}` });
    await ctx.audit.append({ user: req.user!.name, action: 'user.remove', target: `user:${req.params.name}`, details: {} });
    return { removed: req.params.name };
  });
}
