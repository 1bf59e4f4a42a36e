// The InfluxDB schema: measurements, their tags and fields, and how each field rolls up.
// Tags are only sensor, direction, service, local host (the top-K of each window in local_hosts;
// every active local host, once a minute, in host_minutes), remote-endpoint rank and
// anomaly/model-event kind — all bounded (local hosts by the local networks) — so series
// cardinality stays small however many remote addresses the network talks to. Documented in
// docs/store.md.
//
// This file is the one field list of every measurement. The window measurements whose fields come
// from the window as a whole (capture_health, dns, flow_starts) also say here where each field's
// value comes from, and both window encoders (windowPoints.ts, windowLines.ts) walk these lists.
import type { WindowStats } from '../capture/index.ts';

export type FieldKind = 'int' | 'float' | 'string' | 'bool';
/** how a field is downsampled by the continuous queries; absent: not rolled up */
export type RollupAggregate = 'sum' | 'max' | 'mean' | 'min';

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  rollup?: RollupAggregate;
}

export interface MeasurementSpec {
  name: string;
  tags: readonly string[];
  fields: readonly FieldSpec[];
  /** rolled up by continuous queries into rollup_1m and rollup_1h */
  rolledUp: boolean;
  /** written to the events retention policy instead of raw */
  events: boolean;
}

/** What the window encoders know besides the record: what they cut from its two lists, and the writer's own loss count. */
export interface WindowExtras {
  flowsCut: number;
  namesCut: number;
  storeDropped: number;
}

/** Where a window field's value comes from: read from the window, or one of its two encoded lists. */
export type WindowFieldSource =
  | { read: (w: WindowStats, x: WindowExtras) => number | boolean }
  | { list: 'flowStarts' | 'dnsNames' };

export interface WindowFieldSpec extends FieldSpec {
  source: WindowFieldSource;
}

/** A measurement written once per window from the window as a whole, field by field in this order. */
export interface WindowMeasurementSpec extends MeasurementSpec {
  fields: readonly WindowFieldSpec[];
}

const int = (name: string, rollup: RollupAggregate | undefined = 'sum'): FieldSpec => ({ name, kind: 'int', rollup });
const float = (name: string, rollup: RollupAggregate | undefined = 'mean'): FieldSpec => ({ name, kind: 'float', rollup });
const str = (name: string): FieldSpec => ({ name, kind: 'string' });
const bool = (name: string): FieldSpec => ({ name, kind: 'bool' });
const from = (spec: FieldSpec, read: (w: WindowStats, x: WindowExtras) => number | boolean): WindowFieldSpec => ({ ...spec, source: { read } });
const listed = (spec: FieldSpec, list: 'flowStarts' | 'dnsNames'): WindowFieldSpec => ({ ...spec, source: { list } });

export const TRAFFIC: MeasurementSpec = {
  name: 'traffic',
  tags: ['sensor', 'direction'],
  fields: [
    int('packets'), int('bytes'), int('flowsStarted'), int('flowsActive'),
    int('remoteHosts', 'max'), int('remotePorts', 'max'),
    int('tcpSyn'), int('tcpSynAck'), int('tcpRst'), int('tcpSynUnanswered'), int('icmpUnreachable'),
    int('dnsQueries'), int('dnsResponses'), int('dnsNxdomain'),
  ],
  rolledUp: true,
  events: false,
};

export const SERVICES_MEASUREMENT: MeasurementSpec = {
  name: 'services',
  tags: ['sensor', 'service'],
  fields: [int('packets'), int('bytes'), int('flows')],
  rolledUp: true,
  events: false,
};

/** One point per window, always written: the reader's list of windows comes from here. */
export const CAPTURE_HEALTH: WindowMeasurementSpec = {
  name: 'capture_health',
  tags: ['sensor'],
  fields: [
    from(int('durationMs'), (w) => w.durationMs),
    from(int('windowVersion', 'max'), (w) => w.version),
    from(bool('flushedByClock'), (w) => w.flushedByClock),
    // the flow starts the window had cut, and those cut here to fit a string field
    from(int('flowStartsDropped'), (w, x) => w.flowStartsDropped + x.flowsCut),
    from(int('packetsSeen'), (w) => w.health.packetsSeen),
    from(int('packetsDropped'), (w) => w.health.packetsDropped),
    from(int('packetsIfDropped'), (w) => w.health.packetsIfDropped),
    from(int('decodeErrors'), (w) => w.health.decodeErrors),
    from(int('flowEvictions'), (w) => w.health.flowEvictions),
    from(int('flowsTracked', 'max'), (w) => w.health.flowsTracked),
    from(float('lossRatio', 'max'), (w) => w.health.lossRatio),
    // what the writer lost since the previous window it stored (the record's own value otherwise)
    from(int('storeDropped'), (_, x) => x.storeDropped),
  ],
  rolledUp: true,
  events: false,
};

export const LOCAL_HOSTS: MeasurementSpec = {
  name: 'local_hosts',
  tags: ['sensor', 'host'],
  fields: [
    int('rank', 'min'), int('bytesOut'), int('bytesIn'), int('packetsOut'), int('packetsIn'),
    int('flows'), int('flowsStarted'), int('peers', 'max'), int('dstPorts', 'max'),
    int('tcpSyn'), int('tcpSynUnanswered'), int('tcpRstReceived'), int('dnsQueries'), int('dnsNxdomain'),
  ],
  rolledUp: true,
  events: false,
};

/** The step of host_minutes: every active local host's window figures summed per minute of event time. */
export const HOST_STEP_MS = 60_000;

/**
 * Every active local host of every window (WindowStats.localHosts, not only the top-K), summed per
 * host over each minute (HOST_STEP_MS): one point per host and minute it was active in. `windows`
 * counts the windows it was active in; distinct counts take the largest window. The series is
 * (sensor, host): cardinality is sensors × the local hosts that were active, never remote
 * addresses (not even as fields).
 */
export const HOST_MINUTES: MeasurementSpec = {
  name: 'host_minutes',
  tags: ['sensor', 'host'],
  fields: [
    int('windows'), int('bytesOut'), int('bytesIn'), int('packetsOut'), int('packetsIn'),
    int('bytesToRemote'), int('packetsToRemote'), int('flows'), int('flowsStarted'),
    int('peers', 'max'), int('dstPorts', 'max'),
    int('tcpSyn'), int('tcpSynUnanswered'), int('tcpRstReceived'), int('dnsQueries'), int('dnsNxdomain'),
  ],
  rolledUp: true,
  events: false,
};

/** Remote addresses are fields; the series is (sensor, rank), so cardinality is sensors × K. */
export const REMOTE_ENDPOINTS: MeasurementSpec = {
  name: 'remote_endpoints',
  tags: ['sensor', 'rank'],
  fields: [
    str('host'), int('bytesOut'), int('bytesIn'), int('packets'), int('flows'), int('localHosts'), int('topPort'),
  ],
  rolledUp: false,
  events: false,
};

export const DNS: WindowMeasurementSpec = {
  name: 'dns',
  tags: ['sensor'],
  fields: [
    from(int('queries'), (w) => w.dns.queries),
    from(int('responses'), (w) => w.dns.responses),
    from(int('nxdomain'), (w) => w.dns.nxdomain),
    from(float('nameLengthMean'), (w) => w.dns.nameLengthMean),
    from(int('nameLengthMax', 'max'), (w) => w.dns.nameLengthMax),
    from(float('labelEntropyMean'), (w) => w.dns.labelEntropyMean),
    from(int('namesDropped'), (w, x) => w.dns.namesDropped + x.namesCut),
    listed(str('names'), 'dnsNames'),
  ],
  rolledUp: true,
  events: false,
};

/** The window's flow starts as one compact JSON string (for beaconing / threat-intel replay). */
export const FLOW_STARTS: WindowMeasurementSpec = {
  name: 'flow_starts',
  tags: ['sensor'],
  fields: [listed(str('list'), 'flowStarts'), from(int('truncated'), (_, x) => x.flowsCut)],
  rolledUp: false,
  events: false,
};

export const ANOMALIES: MeasurementSpec = {
  name: 'anomalies',
  tags: ['sensor', 'kind'],
  fields: [
    str('id'), int('version'), int('start'), int('end'), int('peakAt'), int('windows'), bool('ongoing'),
    int('detectedAt'), str('localHost'), str('remote'), int('port'), str('domain'),
    str('observedFeature'), float('observedValue'), str('observedUnit'),
    float('expectedLow'), float('expectedHigh'), float('expectedMedian'), str('contributions'),
    float('score'), float('severity'), str('level'), float('maturity'), bool('captureLoss'),
    str('summary'), str('modelVersion'), str('status'),
  ],
  rolledUp: false,
  events: true,
};

export const MODEL_EVENTS: MeasurementSpec = {
  name: 'model_events',
  tags: ['kind'],
  fields: [str('modelVersion'), str('sensor'), str('summary'), str('detail')],
  rolledUp: false,
  events: true,
};

export const MEASUREMENTS: readonly MeasurementSpec[] = [
  TRAFFIC, SERVICES_MEASUREMENT, CAPTURE_HEALTH, LOCAL_HOSTS, HOST_MINUTES, REMOTE_ENDPOINTS, DNS, FLOW_STARTS, ANOMALIES, MODEL_EVENTS,
];

const byName = new Map(MEASUREMENTS.map((m) => [m.name, m]));
const kindsByMeasurement = new Map(MEASUREMENTS.map((m) => [m.name, new Map(m.fields.map((f) => [f.name, f.kind]))]));

export function measurementSpec(name: string): MeasurementSpec | undefined {
  return byName.get(name);
}

/** The declared kinds of a measurement's fields; fields not listed are written as floats. */
export function fieldKinds(measurement: string): Map<string, FieldKind> | undefined {
  return kindsByMeasurement.get(measurement);
}

/** Retention policy names; raw is the database's default RP. */
export const RP_RAW = 'raw';
export const RP_ROLLUP_1M = 'rollup_1m';
export const RP_ROLLUP_1H = 'rollup_1h';
export const RP_EVENTS = 'events';

/** Bumped when a continuous query's statement changes; it is part of every CQ name. */
export const CQ_SCHEMA_VERSION = 1;
