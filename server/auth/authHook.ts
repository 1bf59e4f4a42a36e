// Bearer-token authentication and role checks for every HTTP route, before body parsing, so an
// unauthenticated or under-privileged request learns nothing about validation.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/auditLog.ts';
import type { AuthFailureLimiter } from './authFailureLimiter.ts';
import { roleAllows, type Access } from './roles.ts';
import type { PublicUser, UserStore } from './userStore.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** who may call the route; routes under /api/ without it are admin-only */
    access?: Access;
  }
  interface FastifyRequest {
    user: PublicUser | null;
  }
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function routeAccess(config: { access?: Access } | undefined, url: string): Access {
  return config?.access ?? (url.startsWith('/api/') ? 'admin' : 'public');
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

export function installAuth(app: FastifyInstance, users: UserStore, audit: AuditLog, limiter: AuthFailureLimiter): void {
  const tokenUsed = new Set<string>();
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    // no matching route: the not-found handler answers 404 (the route list is public in /docs)
    if (req.routeOptions.url === undefined) return;
    const access = routeAccess(req.routeOptions.config as { access?: Access }, req.routeOptions.url);
    if (access === 'public') return;
    const token = bearerToken(req.headers.authorization);
    if (!token) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'missing bearer token: send Authorization: Bearer <token>' });
    // the token first: a valid one is never refused because others failed from the same address
    const check = users.check(token);
    if (!check.ok) {
      const retryAfter = limiter.fail(req.ip);
      if (retryAfter > 0) {
        reply.header('retry-after', String(retryAfter));
        return reply.code(429).send({ statusCode: 429, error: 'Too Many Requests', message: `too many failed logins from this address; retry in ${retryAfter} s` });
      }
      return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: check.message });
    }
    const user = check.user;
    if (!roleAllows(user.role, access)) {
      return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `this needs the ${access} role; you are ${user.role}` });
    }
    req.user = user;
    if (WRITE_METHODS.has(req.method) && !tokenUsed.has(user.name)) {
      tokenUsed.add(user.name);
      await audit.append({ user: user.name, action: 'token.use', target: `user:${user.name}`, details: { role: user.role, ip: req.ip } });
    }
  });
}
