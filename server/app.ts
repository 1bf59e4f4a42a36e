// buildServer: the fastify app with every plugin and route, ready for app.inject() or listen().
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifySchemaValidationError, type FastifyServerOptions } from 'fastify';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import type { CriticalityMap, SeverityLevel } from '../model/index.ts';
import { AlertDispatcher, type AlertSink } from './alerts/alertDispatcher.ts';
import { SyslogSink } from './alerts/syslogSink.ts';
import { WebhookSink } from './alerts/webhookSink.ts';
import { AnomalyActions } from './anomalies/anomalyActions.ts';
import { AnomalyBook } from './anomalies/anomalyBook.ts';
import { IncidentBook } from './anomalies/incidentBook.ts';
import { SuppressionStore } from './anomalies/suppressionStore.ts';
import { AuditAnchoring } from './audit/auditAnchoring.ts';
import { AuditLog } from './audit/auditLog.ts';
import { AuthFailureLimiter } from './auth/authFailureLimiter.ts';
import { installAuth } from './auth/authHook.ts';
import { SocketRegistry } from './auth/socketRegistry.ts';
import { UserStore } from './auth/userStore.ts';
import { RecentHistory } from './history/recentHistory.ts';
import { ingestRoute } from './ingest/ingestRoute.ts';
import { IngestCounters } from './ingest/ingestCounters.ts';
import { SensorRegistry, type SensorLimits } from './ingest/sensorRegistry.ts';
import { guarded } from './guarded.ts';
import { DEFAULT_RATE_LIMITS, installRateLimit, type RateLimits } from './rateLimit.ts';
import { LiveFeed } from './liveFeed.ts';
import type { AnomalyWriter, AuditAnchorStore, HistorySource, ModelRegistry, ReplayRunner } from './ports.ts';
import { ReplaySessions } from './replays/replaySessions.ts';
import { adminRoutes } from './routes/adminRoutes.ts';
import { anomalyRoutes } from './routes/anomalyRoutes.ts';
import { evidenceRoutes } from './routes/evidenceRoutes.ts';
import { AddressNames } from './evidence/addressNames.ts';
import { EvidenceDirectory } from './evidence/evidenceDirectory.ts';
import { incidentRoutes } from './routes/incidentRoutes.ts';
import { baselineRoutes } from './routes/baselineRoutes.ts';
import { falsePositiveRoutes } from './routes/falsePositiveRoutes.ts';
import { modelRoutes } from './routes/modelRoutes.ts';
import { replayRoutes } from './routes/replayRoutes.ts';
import { suppressionRoutes } from './routes/suppressionRoutes.ts';
import { systemRoutes } from './routes/systemRoutes.ts';
import { trafficRoutes } from './routes/trafficRoutes.ts';
import { SHARED_SCHEMAS } from './schemas.ts';
import type { ServerContext, StreamSettings } from './serverContext.ts';
import { StreamHub, LIVE_CHANNEL } from './stream/streamHub.ts';
import { streamRoute } from './stream/streamRoute.ts';
import { TrainingJobs } from './training/trainingJobs.ts';

export const API_PREFIX = '/api/v1';
const VERSION = '0.1.0';

/** The policy the UI is built to satisfy: no inline scripts or styles, same-origin everything. */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  // 'self' covers the UI's same-origin WebSocket (ws:// and wss:// to this host); any other host is refused
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  // plain http on loopback is the default deployment: upgrading would break same-origin requests
  upgradeInsecureRequests: null,
};

export interface AlertConfig {
  level: SeverityLevel;
  webhook?: string;
  /** udp://HOST:PORT or tcp://HOST:PORT */
  syslog?: string;
  webhookRetries?: number;
  webhookBackoffMs?: number;
  webhookTimeoutMs?: number;
  /** extra sinks (tests, other transports) */
  sinks?: AlertSink[];
}

export interface ServerOptions {
  /** users.json, audit.log, suppressions.json, incidents.json live here */
  varDir: string;
  /** stored history (store/'s reader); default: the server's recent memory only */
  history?: HistorySource;
  anomalyWriter?: AnomalyWriter;
  models?: ModelRegistry;
  replays?: ReplayRunner;
  alerts?: AlertConfig;
  /** the built UI; null to serve none; default ui/dist beside the package */
  uiDir?: string | null;
  logger?: boolean | Record<string, unknown>;
  stream?: Partial<StreamSettings> & { recentMessages?: number; recentAnomalies?: number };
  /** wrong tokens per address per minute before 429 */
  authFailuresPerMinute?: number;
  /** proxies (addresses or CIDRs) whose X-Forwarded-For names the client; default none */
  trustProxy?: string[];
  /** where audit anchors are kept outside the log (InfluxDB); syslog gets them too when configured */
  auditAnchors?: AuditAnchorStore;
  /** how often the audit log is anchored (default 5 min) */
  auditAnchorEveryMs?: number;
  /** serve HTTPS and WSS with this certificate chain and key (PEM) */
  tls?: { cert: string | Buffer; key: string | Buffer };
  bodyLimit?: number;
  storeBacklog?: () => number;
  /** requests per user per window (default 1200 per minute, history reads 120 per minute) */
  rateLimits?: Partial<RateLimits>;
  /** sensors tracked at once and how long an unseen sensor is remembered (default 256, one day) */
  sensorLimits?: Partial<SensorLimits>;
  /** where sensors write evidence pcaps (default <varDir>/evidence) */
  evidenceDir?: string;
  /** the criticality file's map: asset names and criticality for /names */
  assets?: CriticalityMap | null;
}

/** how often sensors unseen for their expiry are forgotten */
const SENSOR_SWEEP_MS = 60_000;

export interface SpanwatchServer extends FastifyInstance {
  spanwatch: ServerContext;
}

/** Every route with the access it needs, as registered (for docs and the auth matrix test). */
export interface RouteEntry {
  method: string;
  url: string;
  access: string;
  websocket: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
}

/** Schema errors name the field and, for enums, what is allowed. */
function formatSchemaError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const e = errors[0]!;
  const field = `${dataVar}${e.instancePath ? e.instancePath.replace(/\//g, '.') : ''}`;
  const params = e.params as { allowedValues?: unknown[]; additionalProperty?: string };
  let message = `${field} ${e.message ?? 'is invalid'}`;
  if (params.allowedValues) message += `: ${params.allowedValues.join(', ')}`;
  if (params.additionalProperty) message += `: '${params.additionalProperty}'`;
  return new Error(message);
}

const DEFAULT_UI_DIR = resolve(import.meta.dirname, '..', 'ui', 'dist');

export async function buildServer(opts: ServerOptions): Promise<SpanwatchServer> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    schemaErrorFormatter: formatSchemaError,
    // req.ip is the X-Forwarded-For client only when the peer is one of these proxies
    ...(opts.trustProxy?.length ? { trustProxy: opts.trustProxy } : {}),
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
  } as FastifyServerOptions) as FastifyInstance;
  app.decorate('routeTable', [] as RouteEntry[]);
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) {
      if (m === 'HEAD' || m === 'OPTIONS') continue;
      const access = (r.config as { access?: string } | undefined)?.access ?? (r.url.startsWith('/api/') ? 'admin' : 'public');
      app.routeTable.push({ method: m, url: r.url, access, websocket: Boolean((r as { websocket?: boolean }).websocket) });
    }
  });

  const stream: StreamSettings = {
    heartbeatMs: 15_000, authTimeoutMs: 5_000, highWaterBytes: 1024 * 1024, maxQueuedWindows: 256, maxQueuedCritical: 2_048,
    ...opts.stream,
  };
  const users = new UserStore(join(opts.varDir, 'users.json'));
  const sockets = new SocketRegistry();
  users.onRevoked((name, reason) => sockets.revoke(name, reason));
  const stopWatchingUsers = users.watch();
  const audit = new AuditLog(join(opts.varDir, 'audit.log'), { warn: (m) => app.log.warn(m) });
  // at open: a torn last line left by a crash is repaired, and the log gets its key if it has none
  audit.head();
  audit.ledger();
  const hub = new StreamHub({ recentMessages: opts.stream?.recentMessages, recentAnomalies: opts.stream?.recentAnomalies });
  const book = new AnomalyBook(new IncidentBook(join(opts.varDir, 'incidents.json')));
  const suppressions = new SuppressionStore(join(opts.varDir, 'suppressions.json'));
  const log = (level: 'info' | 'warn' | 'error', message: string): void => { app.log[level](message); };
  const alertSinks: AlertSink[] = [...(opts.alerts?.sinks ?? [])];
  if (opts.alerts?.webhook) {
    alertSinks.push(new WebhookSink({ url: opts.alerts.webhook, retries: opts.alerts.webhookRetries, backoffMs: opts.alerts.webhookBackoffMs, timeoutMs: opts.alerts.webhookTimeoutMs }));
  }
  const syslog = opts.alerts?.syslog ? new SyslogSink(opts.alerts.syslog) : null;
  if (syslog) alertSinks.push(syslog);
  const anchoring = new AuditAnchoring(audit, { store: opts.auditAnchors, syslog, everyMs: opts.auditAnchorEveryMs, warn: (m) => log('warn', m) });
  const alerts = new AlertDispatcher({ level: opts.alerts?.level ?? 'high', sinks: alertSinks, onError: (m) => log('warn', m) });
  const sensors = new SensorRegistry(opts.sensorLimits);
  const recent = new RecentHistory(book);
  const names = new AddressNames(opts.assets ?? null);
  const evidence = new EvidenceDirectory(opts.evidenceDir ?? join(opts.varDir, 'evidence'));
  const actions = new AnomalyActions(book, audit, hub, opts.anomalyWriter ?? null, (m) => log('error', m));
  const feed = new LiveFeed(hub, book, suppressions, alerts, sensors, recent, names, (incident, from, anomalyId) => {
    actions.reopened(incident, from, anomalyId).catch((err: unknown) => log('error', `auditing the reopening of incident ${incident.id} failed: ${(err as Error).message}`));
  });
  const models = opts.models ?? null;
  const training = models
    ? new TrainingJobs(models, (job) => hub.publish({ type: 'training', channel: LIVE_CHANNEL, job }), (job) => {
      void audit.append({ user: 'system', action: `model.train.${job.state}`, target: `job:${job.id}`, details: { version: job.version ?? null, message: job.message } });
    })
    : null;
  const replayRunner = opts.replays ?? null;
  const ctx: ServerContext = {
    users, sockets, audit, anchoring, hub, book, actions, suppressions, alerts, sensors, recent, feed, models, training, replayRunner, evidence, names,
    history: opts.history ?? recent,
    replays: replayRunner ? new ReplaySessions(replayRunner, hub) : null,
    stream, storeBacklog: opts.storeBacklog ?? (() => 0), log, ingest: new IngestCounters(),
  };
  app.decorate('spanwatch', ctx);
  const sensorSweep = setInterval(guarded('sensor expiry', log, () => { sensors.expire(); }), SENSOR_SWEEP_MS);
  sensorSweep.unref();
  app.addHook('onReady', async () => { anchoring.start(); });
  app.addHook('onClose', async () => {
    clearInterval(sensorSweep);
    stopWatchingUsers();
    anchoring.stop();
    await anchoring.anchorNow();
    ctx.replays?.stopAll();
    alerts.close();
  });

  await app.register(helmet, { contentSecurityPolicy: { directives: CONTENT_SECURITY_POLICY } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'spanwatch API', version: VERSION, description: 'Bearer token in Authorization; see docs/server.md' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  await app.register(websocket, { options: { maxPayload: 4 * 1024 * 1024 } });
  for (const s of SHARED_SCHEMAS) app.addSchema(s);
  const limiter = new AuthFailureLimiter(opts.authFailuresPerMinute ?? 10);
  installAuth(app, users, audit, limiter);
  await installRateLimit(app, { ...DEFAULT_RATE_LIMITS, ...opts.rateLimits });

  await app.register(async (api) => {
    await api.register(systemRoutes, { ctx, version: VERSION });
    await api.register(trafficRoutes, { ctx });
    await api.register(baselineRoutes, { ctx });
    await api.register(anomalyRoutes, { ctx });
    await api.register(evidenceRoutes, { ctx });
    await api.register(incidentRoutes, { ctx });
    await api.register(modelRoutes, { ctx });
    await api.register(suppressionRoutes, { ctx });
    await api.register(falsePositiveRoutes, { ctx });
    await api.register(adminRoutes, { ctx });
    await api.register(replayRoutes, { ctx });
    await api.register(streamRoute, { ctx, limiter });
    await api.register(ingestRoute, { ctx, limiter });
  }, { prefix: API_PREFIX });

  registerUi(app, opts.uiDir === undefined ? DEFAULT_UI_DIR : opts.uiDir);
  return app as unknown as SpanwatchServer;
}

function registerUi(app: FastifyInstance, uiDir: string | null): void {
  const present = uiDir !== null && existsSync(join(uiDir, 'index.html'));
  if (present) void app.register(fastifyStatic, { root: uiDir, wildcard: false, index: ['index.html'] });
  else {
    app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => reply.type('text/plain; charset=utf-8')
      .send('spanwatch API is running; the browser UI is not built. Run `npm run build:ui`, then reload. API docs: /docs\n'));
  }
  app.setNotFoundHandler((req, reply) => {
    if (present && req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.startsWith('/docs')) {
      return reply.sendFile('index.html');
    }
    return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
}
