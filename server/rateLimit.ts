// Per-user request rate limits (@fastify/rate-limit). Requests with a valid token count against
// their user, whatever address they come from (behind a proxy everyone shares one); requests
// without one (health, docs, the UI's files, WebSocket upgrades before their first message)
// count against their address. History reads (routes with config.rateClass 'history') have a
// budget of their own, smaller because each may read many points.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export type RateClass = 'history';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** a separate, smaller request budget for costly reads */
    rateClass?: RateClass;
  }
}

export interface RateLimits {
  /** requests per user (or address) per window, all routes but history reads */
  perWindow: number;
  /** history reads (/windows, /hosts/top, /hosts/:host/timeline, /baseline) per user per window */
  historyPerWindow: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perWindow: 1_200, historyPerWindow: 120, windowMs: 60_000 };

const rateClassOf = (req: FastifyRequest): string => (req.routeOptions.config as { rateClass?: RateClass } | undefined)?.rateClass ?? 'api';

export async function installRateLimit(app: FastifyInstance, limits: RateLimits): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    // after authentication (onRequest), so that the key can be the user
    hook: 'preParsing',
    timeWindow: limits.windowMs,
    max: (req) => (rateClassOf(req) === 'history' ? limits.historyPerWindow : limits.perWindow),
    keyGenerator: (req) => `${req.user ? `user:${req.user.name}` : `ip:${req.ip}`}|${rateClassOf(req)}`,
    errorResponseBuilder: (req, c) => Object.assign(
      new Error(`rate limit: at most ${c.max} ${rateClassOf(req) === 'history' ? 'history reads' : 'requests'} per ${Math.round(limits.windowMs / 1000)} s ${req.user ? `for user ${req.user.name}` : 'from this address'}; retry in ${c.after}`),
      { statusCode: c.statusCode, error: 'Too Many Requests' },
    ),
  });
}
