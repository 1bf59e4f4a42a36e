// `spanwatch serve`: the API, live stream and UI; with --sensor also capture + detection + store in
// the same process, feeding the stream directly.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CapturePipeline, openFileSource, openLiveSource, parseSpeed, type PacketSource, type WindowStats,
} from '../../capture/index.ts';
import { DetectionEngine, SEVERITY_LEVELS, loadModel, type SeverityLevel } from '../../model/index.ts';
import {
  DatasetReplays, InfluxAnomalyWriter, InfluxHistory, ModelDirectory, startServer, type StartOptions, type TrainRequest,
} from '../../server/index.ts';
import {
  InfluxReader, InfluxWriter, StoreError, anomalyToPoint, connectStore, defaultSpoolDir, startEmbeddedInflux,
  type EmbeddedInflux,
} from '../../store/index.ts';
import { CliError } from '../cliError.ts';
import { CALENDAR_FLAGS, CALENDAR_USAGE, calendarFrom } from '../calendarOptions.ts';
import { retentionFlags, retentionFromFlags } from '../sinks/store.ts';
import { parseDuration, parseFlags } from '../options.ts';

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
                       datasets for training-mode replays are the folders under <var>/datasets

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
  --window DURATION    window length (default 1s)
  --local-net CIDR     local networks, repeatable
  --sensor-name NAME   sensor name (default this host's name)
  --model VERSION      model for detection (default: the live one in --models; none: no detection)
  --ioc FILE           threat-intelligence list (IPs, CIDRs, domains) for the threat-intel detector
  --criticality FILE   JSON of CIDR → low|medium|high|critical (raises severity of important assets)
${CALENDAR_USAGE}

Sensors elsewhere forward to this server with
  spanwatch sensor --interface eth1 --server http://THIS:8080 --server-token <token of role sensor>

examples:
  spanwatch serve
  spanwatch serve --host 0.0.0.0 --port 8443 --alert-level medium --syslog udp://10.0.0.9:514
  spanwatch serve --sensor --pcap office.pcapng --speed 10
`;

export const options = {
  host: { type: 'string' },
  port: { type: 'string' },
  var: { type: 'string' },
  'ui-dir': { type: 'string' },
  models: { type: 'string' },
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
  window: { type: 'string' },
  'local-net': { type: 'string', multiple: true },
  'sensor-name': { type: 'string' },
  model: { type: 'string' },
  ioc: { type: 'string' },
  criticality: { type: 'string' },
  ...CALENDAR_FLAGS,
} as const;

type ServeValues = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseFlags('serve', argv, options, true);
}

interface OpenStore {
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
    return { reader: new InfluxReader(conn), writer, embedded };
  } catch (err) {
    await embedded?.stop();
    if (err instanceof StoreError) throw new CliError(`serve: store: ${err.message}`, err.kind === 'unreachable' ? 1 : 2);
    throw new CliError(`serve: store: ${(err as Error).message}`, 1);
  }
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

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const varDir = resolve(values.var ?? (process.env.SPANWATCH_VAR || 'var'));
  const modelsDir = resolve(values.models ?? join(varDir, 'models'));
  const alertLevel = parseAlertLevel(values['alert-level']);
  const port = parsePort(values.port);
  const files = [...(values.pcap ?? []), ...positionals];
  if (!values.sensor && (files.length > 0 || values.interface !== undefined)) {
    throw new CliError('serve: --pcap/--interface need --sensor (to capture in this process)');
  }
  const source = values.sensor ? openSensorSource(values, files) : null;
  const store = await openStore(values, varDir);
  const opts: StartOptions = {
    varDir, host: values.host ?? '127.0.0.1', port,
    ...(values['ui-dir'] !== undefined ? { uiDir: resolve(values['ui-dir']) } : {}),
    logger: { level: process.env.SPANWATCH_LOG_LEVEL || 'warn', redact: ['req.headers.authorization', 'req.headers.cookie'] },
    alerts: { level: alertLevel, webhook: values.webhook, syslog: values.syslog },
    replays: new DatasetReplays(varDir, async () => {
      try {
        const engine = new DetectionEngine(await loadModel('latest', { modelsDir }));
        return (w) => engine.process(w);
      } catch {
        return null;
      }
    }, (m) => process.stderr.write(`spanwatch serve: ${m}\n`)),
    ...(store ? {
      history: new InfluxHistory(store.reader),
      anomalyWriter: new InfluxAnomalyWriter(store.writer),
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

  let pipeline: CapturePipeline | null = null;
  let capture: Promise<void> = Promise.resolve();
  if (source) {
    const windowMs = parseDuration(values.window ?? '1s', '--window');
    const sensor = values['sensor-name'] ?? hostname();
    let engine: DetectionEngine | null = null;
    if (values.model !== 'none') {
      try {
        const model = await loadModel(values.model ?? 'latest', { modelsDir });
        engine = new DetectionEngine(model, { sensor, ioc: values.ioc, criticality: values.criticality, calendar: calendarFrom(values, 'serve', model.meta.baseline.calendar) });
      } catch (err) {
        process.stderr.write(`spanwatch serve: no detection (${(err as Error).message})\n`);
      }
    }
    const feed = server.app.spanwatch.feed;
    pipeline = new CapturePipeline({ sensor, windowMs, localNets: values['local-net'] }, (w) => {
      feed.window(w);
      store?.writer.writeWindow(w);
      if (!engine) return;
      let found;
      try {
        found = engine.process(w);
      } catch (err) {
        engine = null;
        process.stderr.write(`spanwatch serve: detection stopped: ${(err as Error).message}\n`);
        return;
      }
      for (const a of found) {
        const view = feed.anomaly(a);
        store?.writer.write([anomalyToPoint({ ...a, status: view.status })]);
      }
    });
    const p = pipeline;
    capture = p.run(source).then(
      () => { process.stderr.write(`spanwatch serve: capture from ${source.name} finished; still serving\n`); },
      (err: unknown) => { process.stderr.write(`spanwatch serve: capture stopped: ${(err as Error).message}\n`); },
    );
  }

  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  pipeline?.stop();
  await capture;
  await server.close();
  await store?.writer.close();
  await store?.embedded?.stop();
  return 0;
}
