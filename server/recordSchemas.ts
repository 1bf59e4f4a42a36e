// The records a sensor sends (WindowStats, Anomaly, SensorHealth) as strict JSON Schemas: every
// field typed and bounded, every object closed (an unknown field such as `suppressedBy` is refused).
// Registered with the REST API's shared schemas and compiled once for /api/v1/ingest.
import { DIRECTIONS, SERVICES, WINDOW_STATS_VERSION } from '../capture/index.ts';
import { ANOMALY_KINDS, ANOMALY_STATUSES, ANOMALY_VERSION, SEVERITY_LEVELS, MODEL_VERSION_PATTERN } from '../model/index.ts';

type Schema = Record<string, unknown>;

/** A closed object: every listed property required unless named optional. */
function record(properties: Record<string, Schema>, optional: readonly string[] = []): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
  };
}

const text = (maxLength: number, minLength = 0): Schema => ({ type: 'string', minLength, maxLength, pattern: '^[^\\u0000-\\u001f]*$' });
/** a count: packets, bytes, flows, … (2^53 is far beyond any window) */
const count: Schema = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };
const finite: Schema = { type: 'number', minimum: -1e300, maximum: 1e300 };
const nonNegative: Schema = { type: 'number', minimum: 0, maximum: 1e300 };
const ratio: Schema = { type: 'number', minimum: 0, maximum: 1 };
/** ms since the epoch, up to the year 2286 */
const epochMs: Schema = { type: 'number', minimum: 0, maximum: 1e13 };
const port: Schema = { type: 'integer', minimum: 0, maximum: 65_535 };
/** an address in text form (IPv4, IPv6 with zone) */
const host = text(128, 1);
/** untrusted packet-derived names (DNS); the capture escapes bytes, so up to four characters per byte */
const packetName = text(2_048);

export const SENSOR_NAME_SCHEMA: Schema = text(128, 1);
export const MODEL_VERSION_SCHEMA: Schema = { type: 'string', pattern: MODEL_VERSION_PATTERN.source };

/** Array bounds far above the capture's defaults (top-K 20, 1000 flow starts, 500 DNS names). */
export const RECORD_LIMITS = { topK: 1_000, flowStarts: 10_000, dnsNames: 10_000, contributions: 256, dnsAnswers: 10_000, attack: 32, scanList: 256, hosts: 65_536 } as const;

const directionStats = record({
  packets: count, bytes: count, flowsStarted: count, flowsActive: count, remoteHosts: count, remotePorts: count,
  tcpSyn: count, tcpSynAck: count, tcpRst: count, tcpSynUnanswered: count, icmpUnreachable: count,
  dnsQueries: count, dnsResponses: count, dnsNxdomain: count,
});
const serviceStats = record({ packets: count, bytes: count, flows: count });
const captureHealth = record({
  packetsSeen: count, packetsDropped: count, packetsIfDropped: count, decodeErrors: count,
  flowEvictions: count, flowsTracked: count, lossRatio: ratio, storeDropped: count,
});

const localHostStats = record({
  host, bytesOut: count, bytesIn: count, packetsOut: count, packetsIn: count, flows: count, flowsStarted: count,
  peers: count, dstPorts: count, tcpSyn: count, tcpSynUnanswered: count, tcpRstReceived: count, dnsQueries: count, dnsNxdomain: count,
  bytesToRemote: count, packetsToRemote: count, topRemote: host,
}, ['bytesToRemote', 'packetsToRemote', 'topRemote']);

export const WINDOW_STATS_RECORD = {
  $id: 'WindowStatsRecord',
  description: 'A WindowStats record as a sensor sends it (README "Records and interfaces")',
  ...record({
    version: { type: 'integer', const: WINDOW_STATS_VERSION },
    sensor: SENSOR_NAME_SCHEMA,
    start: epochMs,
    durationMs: { type: 'integer', minimum: 1, maximum: 86_400_000 },
    flushedByClock: { type: 'boolean' },
    directions: record(Object.fromEntries(DIRECTIONS.map((d) => [d, directionStats]))),
    services: record(Object.fromEntries(SERVICES.map((s) => [s, serviceStats]))),
    topLocalHosts: { type: 'array', maxItems: RECORD_LIMITS.topK, items: localHostStats },
    localHosts: { type: 'array', maxItems: RECORD_LIMITS.hosts, items: localHostStats },
    localHostsOverflowPackets: count,
    topRemoteEndpoints: {
      type: 'array', maxItems: RECORD_LIMITS.topK,
      items: record({ host, bytesOut: count, bytesIn: count, packets: count, flows: count, localHosts: count, topPort: port, name: packetName }, ['name']),
    },
    flowStarts: {
      type: 'array', maxItems: RECORD_LIMITS.flowStarts,
      items: record({
        ts: epochMs, direction: { type: 'string', enum: [...DIRECTIONS] }, proto: { type: 'string', enum: ['tcp', 'udp', 'icmp', 'other'] }, local: host, remote: host, port,
      }),
    },
    flowStartsDropped: count,
    dns: record({
      queries: count, responses: count, nxdomain: count, nameLengthMean: nonNegative, nameLengthMax: count, labelEntropyMean: nonNegative,
      names: {
        type: 'array', maxItems: RECORD_LIMITS.dnsNames,
        items: record({ name: packetName, client: host, queries: count, nxdomain: count, qtype: port }),
      },
      namesDropped: count,
      answers: { type: 'array', maxItems: RECORD_LIMITS.dnsAnswers, items: record({ address: host, name: packetName }) },
      answersDropped: count,
    }, ['answers', 'answersDropped']),
    health: captureHealth,
  }, ['localHosts', 'localHostsOverflowPackets']),
};

export const ANOMALY_RECORD = {
  $id: 'AnomalyRecord',
  description: 'An Anomaly record as a sensor sends it (README "Records and interfaces"); no analyst fields',
  ...record({
    version: { type: 'integer', const: ANOMALY_VERSION },
    id: text(256, 1),
    sensor: SENSOR_NAME_SCHEMA,
    kind: { type: 'string', enum: [...ANOMALY_KINDS] },
    start: epochMs,
    end: epochMs,
    peakAt: epochMs,
    windows: count,
    ongoing: { type: 'boolean' },
    detectedAt: epochMs,
    subject: record(
      {
        localHost: host, remote: host, port, domain: packetName, remoteName: packetName, localName: text(256),
        targets: { type: 'array', maxItems: RECORD_LIMITS.scanList, items: host },
        ports: { type: 'array', maxItems: RECORD_LIMITS.scanList, items: port },
      },
      ['localHost', 'remote', 'port', 'domain', 'remoteName', 'localName', 'targets', 'ports'],
    ),
    observed: record({ feature: text(256, 1), value: finite, unit: text(128) }),
    expected: record({ low: finite, high: finite, median: finite }),
    contributions: {
      type: 'array', maxItems: RECORD_LIMITS.contributions,
      items: record({ feature: text(256, 1), observed: finite, expected: finite, share: ratio }),
    },
    score: nonNegative,
    severity: { type: 'number', minimum: 0, maximum: 100 },
    level: { type: 'string', enum: [...SEVERITY_LEVELS] },
    maturity: ratio,
    captureLoss: { type: 'boolean' },
    summary: text(4_096),
    modelVersion: MODEL_VERSION_SCHEMA,
    status: { type: 'string', enum: [...ANOMALY_STATUSES] },
    attack: {
      type: 'array', maxItems: RECORD_LIMITS.attack,
      items: record({ id: { type: 'string', pattern: '^T[0-9]{4}(\\.[0-9]{3})?$' }, name: text(256, 1), tactic: text(128, 1) }),
    },
  }, ['attack']),
};

export const SENSOR_HEALTH_RECORD = {
  $id: 'SensorHealthRecord',
  description: 'A sensor\'s capture health as it sends it',
  ...record({
    sensor: SENSOR_NAME_SCHEMA,
    lastSeen: epochMs,
    packetsPerSecond: nonNegative,
    health: captureHealth,
    storeBacklog: count,
    modelVersion: { anyOf: [MODEL_VERSION_SCHEMA, { type: 'null' }] },
  }),
};

export const RECORD_SCHEMAS = [WINDOW_STATS_RECORD, ANOMALY_RECORD, SENSOR_HEALTH_RECORD];
