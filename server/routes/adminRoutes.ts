// /audit (list, verify) and /users (admin): the accountability side of the API.
import type { FastifyInstance } from 'fastify';
import type { Role } from '../protocol.ts';
import type { ServerContext } from '../serverContext.ts';
import { ENUMS, authErrors, nameString, ref } from '../schemas.ts';

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
    schema: { tags: ['audit'], summary: 'Check the hash chain; reports the first edited, removed or reordered line', response: { 200: ref('AuditVerify'), ...authErrors } },
  }, async () => ctx.audit.verify());

  app.get('/users', {
    config: { access: 'admin' },
    schema: { tags: ['users'], summary: 'Users and roles (never tokens)', response: { 200: { type: 'object', properties: { users: { type: 'array', items: ref('User') } } }, ...authErrors } },
  }, async () => ({ users: ctx.users.list() }));

  app.post<{ Body: { name: string; role: Role } }>('/users', {
    config: { access: 'admin' },
    schema: {
      tags: ['users'], summary: 'Create a user (or replace its token); the token is in this response only',
      body: { type: 'object', additionalProperties: false, required: ['name', 'role'], properties: { name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$' }, role: { type: 'string', enum: ENUMS.role } } },
      response: { 201: { type: 'object', properties: { name: { type: 'string' }, role: { type: 'string' }, token: { type: 'string' } } }, 400: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    const token = ctx.users.add(req.body.name, req.body.role);
    await ctx.audit.append({ user: req.user!.name, action: 'user.add', target: `user:${req.body.name}`, details: { role: req.body.role } });
    return reply.code(201).send({ name: req.body.name, role: req.body.role, token });
  });

  app.delete<{ Params: { name: string } }>('/users/:name', {
    config: { access: 'admin' },
    schema: {
      tags: ['users'], summary: 'Remove a user; its token stops working at once',
      params: { type: 'object', properties: { name: nameString }, required: ['name'] },
      response: { 200: { type: 'object', properties: { removed: { type: 'string' } } }, 404: ref('Error'), ...authErrors },
    },
  }, async (req, reply) => {
    if (!ctx.users.remove(req.params.name)) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no user ${req.params.name}` });
    await ctx.audit.append({ user: req.user!.name, action: 'user.remove', target: `user:${req.params.name}`, details: {} });
    return { removed: req.params.name };
  });
}
