// `spanwatch serve`: the API, live stream and UI; with --sensor also capture + detection + store in
// the same process, feeding the stream directly.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { openFileSource, openLiveSource, parseSpeed, type PacketSource, type WindowStats } from '../../capture/index.ts';
import { CriticalityMap, DetectionEngine, SEVERITY_LEVELS, loadModel, type LiveDetection, type LiveModelWatcher, type SeverityLevel } from '../../model/index.ts';
import { SensorRuntime } from '../../runtime/index.ts';
import {
  DatasetReplays, InfluxAnomalyWriter, InfluxAuditAnchors, InfluxHistory, ModelDirectory, startServer, type StartOptions, type TrainRequest,
} from '../../server/index.ts';
import {
  InfluxReader, InfluxWriter, StoreError, anomalyToPoint, connectStore, defaultSpoolDir, isAlive, startEmbeddedInflux,
  type EmbeddedInflux, type StoreConnection,
} from '../../store/index.ts';
import { CliError } from '../cliError.ts';
import { CALENDAR_FLAGS, CALENDAR_USAGE, calendarFrom } from '../calendarOptions.ts';
import { retentionFlags, retentionFromFlags } from '../sinks/store.ts';
import { EvidenceSink, evidenceFlags, evidenceHelp, evidenceSettings } from '../sinks/evidence.ts';
import { parseDuration, parseFlags, parseWorkers } from '../options.ts';
import { AUTOMATIC_WORKERS_RULE } from '../../capture/shards/index.ts';
import { followLiveModel, liveDetectionFor, onlineStatePath } from '../sinks/detect.ts';
import type { RecordSink } from '../sinks.ts';

export const help = `usage: spanwatch serve [options] [--sensor (--pcap FILE... | --interface IF) [sensor options]]

Serves the REST API (/api/v1), the live stream (/api/v1/stream), sensor ingest (/api/v1/ingest),
the API docs (/docs) and the browser UI (/). On first start with no users it creates user "admin"
and prints its token once.

server:
  --host H             address to bind (default 127.0.0.1)
  --port N             port (default 8080)
  --var DIR            users.json, audit.log, suppressions.json, embedded InfluxDB
                       (default ./var, env SPANWATCH_VAR)
  --ui-dir DIR         the built UI (default ui/dist; build it with \`npm run build:ui\`)
  --models DIR         model versions (default <var>/models)
  --tls-cert FILE      serve HTTPS/WSS with this certificate chain (PEM); needs --tls-key
  --tls-key FILE       the certificate's private key (PEM)
  --trust-proxy CIDR   a reverse proxy (address or CIDR, repeatable) whose X-Forwarded-For names the
                       client: failed-login throttling then counts per real client, not per proxy
                       datasets for training-mode replays are the folders under <var>/datasets
  --max-sensors N      sensors tracked at once (default 256); records of more are refused until
                       one has been unseen for a day

store:
  --influx URL         InfluxDB 1.x URL (env INFLUX_URL); default: an embedded influxd under <var>/influxdb
  --influx-db NAME     database (default spanwatch)
  --retention-raw D    keep raw 1 s points D (default 7d; inf = forever); also --retention-1m,
                       --retention-1h, --retention-events (see \`spanwatch sensor --help\`)
  --no-store           no InfluxDB: history is what this process saw (recent windows and anomalies)

alerts:
  --alert-level L      alert on anomalies at or above L: info|low|medium|high|critical (default high)
  --webhook URL        POST each alert as JSON to URL (retries with backoff)
  --syslog TARGET      RFC 5424 syslog to udp://HOST:PORT or tcp://HOST:PORT

in-process sensor:
  --sensor             also capture here (no separate \`spanwatch sensor\` needed)
  --pcap FILE          capture file(s), repeatable; file names after the options count too
  --interface IF       live capture through libpcap
  --bpf EXPR           pcap-filter expression (live)
  --speed S            file replay speed: max, realtime (default) or a multiplier
  --workers N          capture threads (default auto: ${AUTOMATIC_WORKERS_RULE}); same records for any N
  --window DURATION    window length (default 1s)
  --local-net CIDR     local networks, repeatable
  --sensor-name NAME   sensor name (default this host's name)
  --model VERSION      model for detection (default latest: the live one in --models, followed
                       when another version is promoted, between two windows; none: no detection)
  --ioc FILE           threat-intelligence list (IPs, CIDRs, domains) for the threat-intel detector
  --criticality FILE   JSON of CIDR → low|medium|high|critical (raises severity of important assets;
                       its asset names label addresses in /api/v1/names)
  --online-state FILE  what detection learned online since training, kept across restarts for
                       the same model version (default <var>/online/<sensor>.json; none: not kept)

${evidenceHelp}
                       The server serves the pcaps under --evidence-dir (default <var>/evidence):
                       a separate sensor must write to the same directory (same --var or a shared mount)
${CALENDAR_USAGE}

Sensors elsewhere forward to this server with
  spanwatch sensor --interface eth1 --sensor NAME --server http://THIS:8080 --server-token <token of role sensor>
(NAME: one the token is bound to; a token made without --sensor is bound to its user's name)

Ctrl-C (SIGINT), SIGTERM or a closed terminal (SIGHUP) stop the capture, the server and the
embedded influxd, each named on stderr as it stops; a second Ctrl-C exits at once.

examples:
  spanwatch serve
  spanwatch serve --host 0.0.0.0 --port 8443 --alert-level medium --syslog udp://10.0.0.9:514
  spanwatch serve --sensor --pcap office.pcapng --speed 10
  spanwatch serve --host 0.0.0.0 --port 8443 --tls-cert /etc/spanwatch/cert.pem --tls-key /etc/spanwatch/key.pem
  spanwatch serve --trust-proxy 127.0.0.1      # behind a TLS proxy on this host
`;

export const options = {
  host: { type: 'string' },
  port: { type: 'string' },
  var: { type: 'string' },
  'ui-dir': { type: 'string' },
  models: { type: 'string' },
  'max-sensors': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'trust-proxy': { type: 'string', multiple: true },
  influx: { type: 'string' },
  'influx-db': { type: 'string' },
  'no-store': { type: 'boolean' },
  ...retentionFlags,
  'alert-level': { type: 'string' },
  webhook: { type: 'string' },
  syslog: { type: 'string' },
  sensor: { type: 'boolean' },
  pcap: { type: 'string', multiple: true },
  interface: { type: 'string' },
  bpf: { type: 'string' },
  speed: { type: 'string' },
  workers: { type: 'string' },
  window: { type: 'string' },
  'local-net': { type: 'string', multiple: true },
  'sensor-name': { type: 'string' },
  model: { type: 'string' },
  ioc: { type: 'string' },
  criticality: { type: 'string' },
  'online-state': { type: 'string' },
  ...evidenceFlags,
  ...CALENDAR_FLAGS,
} as const;

type ServeValues = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseFlags('serve', argv, options, true);
}

interface OpenStore {
  conn: StoreConnection;
  reader: InfluxReader;
  writer: InfluxWriter;
  embedded?: EmbeddedInflux;
}

async function openStore(values: ServeValues, varDir: string): Promise<OpenStore | null> {
  if (values['no-store']) return null;
  let embedded: EmbeddedInflux | undefined;
  try {
    const url = values.influx ?? (process.env.INFLUX_URL || undefined);
    if (url === undefined) embedded = await startEmbeddedInflux({ dataDir: join(varDir, 'influxdb') });
    const conn = await connectStore({ url: url ?? embedded!.url, database: values['influx-db'] ?? 'spanwatch', retention: retentionFromFlags(values) });
    const writer = new InfluxWriter({
      endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies,
      spoolDir: defaultSpoolDir(varDir, `server-${process.pid}`),
    });
    return { conn, reader: new InfluxReader(conn), writer, embedded };
  } catch (err) {
    await embedded?.stop();
    if (err instanceof StoreError) throw new CliError(`serve: store: ${err.message}`, err.kind === 'unreachable' ? 1 : 2);
    throw new CliError(`serve: store: ${(err as Error).message}`, 1);
  }
}

function parseMaxSensors(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new CliError(`serve: --max-sensors must be a whole number from 1 to 100000 (got '${text}')`);
  return n;
}

function parseAlertLevel(text: string | undefined): SeverityLevel {
  const l = text ?? 'high';
  if (!(SEVERITY_LEVELS as readonly string[]).includes(l)) throw new CliError(`serve: --alert-level must be one of ${SEVERITY_LEVELS.join(', ')} (got '${l}')`);
  return l as SeverityLevel;
}

function parsePort(text: string | undefined): number {
  const p = Number(text ?? 8080);
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new CliError(`serve: --port must be 0 … 65535 (got '${text}')`);
  return p;
}

function readTls(values: ServeValues): StartOptions['tls'] {
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) throw new CliError('serve: --tls-cert and --tls-key go together (the certificate and its private key, PEM)');
  const read = (file: string, flag: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new CliError(`serve: ${flag} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 1);
    }
  };
  return { cert: read(certFile, '--tls-cert'), key: read(keyFile, '--tls-key') };
}

function trustedProxies(values: ServeValues): string[] | undefined {
  const list = values['trust-proxy'];
  if (!list?.length) return undefined;
  for (const entry of list) {
    const [addr, bits, extra] = entry.split('/');
    const family = isIP(addr ?? '');
    const max = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
      throw new CliError(`serve: --trust-proxy '${entry}' is not an address or CIDR (e.g. 127.0.0.1 or 10.0.0.0/24)`);
    }
  }
  return list;
}

function openSensorSource(values: ServeValues, files: string[]): PacketSource {
  if (values.interface !== undefined && files.length > 0) throw new CliError('serve --sensor: give either --interface or capture files, not both');
  if (values.interface !== undefined) {
    try {
      return openLiveSource({ iface: values.interface, bpf: values.bpf });
    } catch (err) {
      throw new CliError(`serve --sensor: --interface ${values.interface}: ${(err as Error).message}`, 1);
    }
  }
  if (files.length === 0) throw new CliError('serve --sensor: nothing to capture; give --pcap FILE or --interface IF');
  try {
    return openFileSource(files, { speed: parseSpeed(values.speed ?? 'realtime'), onFileError: (e) => process.stderr.write(`spanwatch serve: ${e.message}\n`) });
  } catch (err) {
    throw new CliError(`serve --sensor: ${(err as Error).message}`);
  }
}

async function* storedWindows(reader: InfluxReader, req: TrainRequest): AsyncGenerator<WindowStats> {
  for await (const page of reader.iterateWindows({ from: req.from, to: req.to, sensor: req.sensor, resolution: '1s' })) yield* page;
}

/**
 * Resolves on the first SIGINT, SIGTERM or SIGHUP (the terminal closed). Listening from the start:
 * a signal during startup must still stop the embedded influxd, which the default action would
 * leave running.
 */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, () => done(s));
  });
}

export async function run(argv: string[]): Promise<number> {
  const stopped = stopSignal();
  const { values, positionals } = parse(argv);
  const varDir = resolve(values.var ?? (process.env.SPANWATCH_VAR || 'var'));
  const modelsDir = resolve(values.models ?? join(varDir, 'models'));
  const alertLevel = parseAlertLevel(values['alert-level']);
  const port = parsePort(values.port);
  const files = [...(values.pcap ?? []), ...positionals];
  if (!values.sensor && (files.length > 0 || values.interface !== undefined)) {
    throw new CliError('serve: --pcap/--interface need --sensor (to capture in this process)');
  }
  const tls = readTls(values);
  const trustProxy = trustedProxies(values);
  const source = values.sensor ? openSensorSource(values, files) : null;
  const evidenceConfig = evidenceSettings(values, varDir);
  let assets: CriticalityMap | null = null;
  if (values.criticality !== undefined) {
    try {
      assets = CriticalityMap.fromFile(values.criticality);
    } catch (err) {
      throw new CliError(`serve --criticality: ${(err as Error).message}`);
    }
  }
  const store = await openStore(values, varDir);
  const opts: StartOptions = {
    varDir, host: values.host ?? '127.0.0.1', port, assets,
    evidenceDir: evidenceConfig?.dir ?? join(varDir, 'evidence'),
    ...(tls ? { tls } : {}), ...(trustProxy ? { trustProxy } : {}),
    ...(values['ui-dir'] !== undefined ? { uiDir: resolve(values['ui-dir']) } : {}),
    logger: { level: process.env.SPANWATCH_LOG_LEVEL || 'warn', redact: ['req.headers.authorization', 'req.headers.cookie'] },
    alerts: { level: alertLevel, webhook: values.webhook, syslog: values.syslog },
    sensorLimits: { maxSensors: parseMaxSensors(values['max-sensors']) },
    replays: new DatasetReplays(varDir, async () => {
      try {
        return new DetectionEngine(await loadModel('latest', { modelsDir }));
      } catch {
        return null;
      }
    }, (m) => process.stderr.write(`spanwatch serve: ${m}\n`)),
    ...(store ? {
      history: new InfluxHistory(store.reader),
      anomalyWriter: new InfluxAnomalyWriter(store.writer),
      auditAnchors: new InfluxAuditAnchors(store.conn),
      models: new ModelDirectory(modelsDir, (req) => storedWindows(store.reader, req)),
      storeBacklog: () => store.writer.counters.queued + store.writer.counters.spooled,
    } : {}),
  };
  let server;
  try {
    server = await startServer(opts);
  } catch (err) {
    await store?.writer.close();
    await store?.embedded?.stop();
    throw new CliError(`serve: cannot start: ${(err as Error).message}`, 1);
  }
  process.stderr.write(`spanwatch serve: listening on ${server.url} (API docs ${server.url}/docs)\n`);

  let runtime: SensorRuntime<LiveDetection> | null = null;
  let watcher: LiveModelWatcher | null = null;
  let stopping = false;
  let capture: Promise<void> = Promise.resolve();
  if (source) {
    const windowMs = parseDuration(values.window ?? '1s', '--window');
    const sensor = values['sensor-name'] ?? hostname();
    const say = (line: string): void => { process.stderr.write(`spanwatch serve: ${line}\n`); };
    const build = liveDetectionFor({
      sensor, ioc: values.ioc, criticality: values.criticality,
      calendar: (m) => calendarFrom(values, 'serve', m.meta.baseline.calendar),
      onlineState: onlineStatePath(values['online-state'], varDir, sensor),
    }, say);
    let detection: LiveDetection | null = null;
    if (values.model !== 'none') {
      try {
        detection = build(await loadModel(values.model ?? 'latest', { modelsDir }));
      } catch (err) {
        say(`no detection (${(err as Error).message})${(values.model ?? 'latest') === 'latest' ? '; it starts when a model is promoted' : ''}`);
      }
    }
    const feed = server.app.spanwatch.feed;
    // evidence follows detection, which may start only when a model is first promoted
    const evidence = values.model !== 'none' && evidenceConfig ? new EvidenceSink(evidenceConfig, windowMs, say) : null;
    // the live feed and the store (the server's one writer) belong to the server: they stay open after the capture
    const served: RecordSink = {
      window: (w) => {
        feed.window(w);
        store?.writer.writeWindow(w);
      },
      anomaly: (a) => {
        const view = feed.anomaly(a);
        store?.writer.write([anomalyToPoint({ ...a, status: view.status })]);
      },
      close: async () => {},
    };
    const r = new SensorRuntime<LiveDetection>({
      pipeline: { sensor, windowMs, localNets: values['local-net'], ...(evidence ? { packetRing: evidence.ring } : {}) },
      workers: parseWorkers(values.workers),
      detection,
      outputs: evidence ? [evidence, served] : [served],
      log: say,
    });
    runtime = r;
    evidence?.attach(r.names);
    // a promoted version takes over; without one yet (or after a detection failure), the first promoted starts detection
    if (values.model !== 'none' && (values.model ?? 'latest') === 'latest') {
      watcher = followLiveModel({ modelsDir, windowMs, detection: () => r.detection, begin: (m) => r.setDetection(build(m)), log: say });
    }
    // the capture ended: its open incidents end, and their pcaps are written with what was seen
    capture = r.run(source).finally(() => r.close()).then(
      () => { if (!stopping) say(`capture from ${source.name} finished; still serving`); },
      (err: unknown) => { say(`capture stopped: ${(err as Error).message}`); },
    );
  }

  const signal = await stopped;
  // say what stops, one line each, so an operator who pressed Ctrl-C knows what is left running
  const say = (line: string): void => { process.stderr.write(`spanwatch serve: ${line}\n`); };
  say(`${signal === 'SIGINT' ? 'interrupted' : signal === 'SIGHUP' ? 'the terminal closed' : 'terminated'}: stopping`);
  stopping = true;
  watcher?.stop();
  if (runtime && source) {
    runtime.stop();
    await capture;
    say(source.live ? `stopped the capture on ${source.name}` : `stopped the replay of ${source.name}`);
  }
  await server.close();
  say(`stopped the server on ${server.url}`);
  if (store) {
    await store.writer.close();
    if (store.embedded) {
      const { pid, dataDir } = store.embedded;
      await store.embedded.stop();
      say(isAlive(pid)
        ? `left influxd (pid ${pid}) running for another spanwatch process using ${dataDir}`
        : `stopped influxd (pid ${pid}); its data stays in ${dataDir}`);
    }
  }
  return 0;
}

