// WindowStats → line protocol, written straight into a LineBuffer: the same lines, byte for byte,
// as windowStatsToPoints() followed by toLine(), without the point objects, field copies and
// per-line strings in between. This runs once per window on the sensor's own thread, so it is
// kept to a walk over the record.
import { DIRECTIONS, SERVICES, type WindowStats } from '../capture/index.ts';
import { LineBuffer } from './lineBuffer.ts';
import { COMMA, EQUALS, SPACE, escapeKey, writeField, writeMsTimestamp, writeTag, type FieldValue } from './point.ts';
import {
  CAPTURE_HEALTH, DNS, FLOW_STARTS, LOCAL_HOSTS, REMOTE_ENDPOINTS, SERVICES_MEASUREMENT, TRAFFIC,
  type FieldKind, type WindowExtras, type WindowFieldSpec, type WindowMeasurementSpec,
} from './schema.ts';
import { writeDnsNames, writeFlowStarts } from './windowLists.ts';
import { isQuiet } from './windowPoints.ts';

interface FieldInfo { key: string; kind: FieldKind | undefined }
/** a measurement's fields by name: escaped key and kind, one lookup per field */
type Kinds = Map<string, FieldInfo>;
const kindsOf = (fields: readonly { name: string; kind: FieldKind }[]): Kinds =>
  new Map(fields.map((f) => [f.name, { key: escapeKey(f.name), kind: f.kind }]));
const TRAFFIC_KINDS = kindsOf(TRAFFIC.fields);
const SERVICE_KINDS = kindsOf(SERVICES_MEASUREMENT.fields);
const LOCAL_KINDS = kindsOf(LOCAL_HOSTS.fields);
const REMOTE_KINDS = kindsOf(REMOTE_ENDPOINTS.fields);
/** a window measurement's fields with their keys escaped once */
interface WindowField { spec: WindowFieldSpec; key: string }
const windowFieldsOf = (m: WindowMeasurementSpec): WindowField[] => m.fields.map((spec) => ({ spec, key: escapeKey(spec.name) }));
const HEALTH = windowFieldsOf(CAPTURE_HEALTH);
const DNS_FIELDS = windowFieldsOf(DNS);
const FLOW_FIELDS = windowFieldsOf(FLOW_STARTS);

const QUOTE = 0x22;
// The two lists are written ahead of their lines: what was cut from them is counted in fields
// that come earlier.
const flowList = new LineBuffer(16 * 1024);
const dnsNames = new LineBuffer(16 * 1024);

/** A string field whose escaped text is already in `list`; returns the separator for the next field. */
function listField(out: LineBuffer, sep: number, key: string, list: LineBuffer): number {
  out.byte(sep);
  out.text(key);
  out.byte(EQUALS);
  out.byte(QUOTE);
  out.append(list);
  out.byte(QUOTE);
  return COMMA;
}

/** One field; returns the separator for the next one. */
function field(out: LineBuffer, sep: number, kinds: Kinds, name: string, v: FieldValue): number {
  let info = kinds.get(name);
  if (info === undefined) {
    // Not in the schema (written as a float, like the point encoding does).
    info = { key: escapeKey(name), kind: undefined };
    if (kinds.size < 1_000) kinds.set(name, info);
  }
  return writeField(out, sep, info.kind, info.key, v) ? COMMA : sep;
}

/** Every own field of a record, in its key order (as a spread copy of it would have). */
function recordFields(out: LineBuffer, sep: number, kinds: Kinds, record: object, skip?: string): number {
  const r = record as Record<string, FieldValue>;
  for (const k in r) if (k !== skip) sep = field(out, sep, kinds, k, r[k]!);
  return sep;
}

/** Ends the line started at `start`, or takes it back when no field was writable; 1 or 0 lines. */
function endLine(out: LineBuffer, start: number, sep: number, time: number): number {
  if (sep === SPACE) {
    out.truncate(start);
    return 0;
  }
  writeMsTimestamp(out, time);
  return 1;
}

/**
 * Appends the window's lines; returns how many. `storeDropped` replaces the health record's own
 * value: the writer reports there what it lost since the previous window it stored.
 */
export function encodeWindow(out: LineBuffer, w: WindowStats, storeDropped = w.health.storeDropped): number {
  const time = w.start;
  const sensor = w.sensor;
  let lines = 0;
  let start: number;
  let sep: number;
  for (const d of DIRECTIONS) {
    const ds = w.directions[d];
    if (isQuiet(ds)) continue;
    start = out.length;
    out.text('traffic');
    writeTag(out, 'direction', d);
    writeTag(out, 'sensor', sensor);
    lines += endLine(out, start, recordFields(out, SPACE, TRAFFIC_KINDS, ds), time);
  }
  for (const s of SERVICES) {
    const st = w.services[s];
    if (!st || isQuiet(st)) continue;
    start = out.length;
    out.text('services');
    writeTag(out, 'sensor', sensor);
    writeTag(out, 'service', s);
    lines += endLine(out, start, recordFields(out, SPACE, SERVICE_KINDS, st), time);
  }
  flowList.reset();
  const flowsCut = writeFlowStarts(flowList, w.flowStarts, w.start);
  dnsNames.reset();
  const namesCut = writeDnsNames(dnsNames, w.dns.names);
  const extras: WindowExtras = { flowsCut, namesCut, storeDropped };
  start = out.length;
  out.text('capture_health');
  writeTag(out, 'sensor', sensor);
  lines += endLine(out, start, windowFields(out, HEALTH, w, extras), time);
  const locals = w.topLocalHosts;
  for (let rank = 0; rank < locals.length; rank++) {
    const lh = locals[rank]!;
    start = out.length;
    out.text('local_hosts');
    writeTag(out, 'host', lh.host);
    writeTag(out, 'sensor', sensor);
    sep = field(out, SPACE, LOCAL_KINDS, 'rank', rank);
    lines += endLine(out, start, recordFields(out, sep, LOCAL_KINDS, lh, 'host'), time);
  }
  const remotes = w.topRemoteEndpoints;
  for (let rank = 0; rank < remotes.length; rank++) {
    start = out.length;
    out.text('remote_endpoints');
    writeTag(out, 'rank', String(rank));
    writeTag(out, 'sensor', sensor);
    lines += endLine(out, start, recordFields(out, SPACE, REMOTE_KINDS, remotes[rank]!), time);
  }
  start = out.length;
  out.text('dns');
  writeTag(out, 'sensor', sensor);
  lines += endLine(out, start, windowFields(out, DNS_FIELDS, w, extras), time);
  if (w.flowStarts.length > 0) {
    start = out.length;
    out.text('flow_starts');
    writeTag(out, 'sensor', sensor);
    lines += endLine(out, start, windowFields(out, FLOW_FIELDS, w, extras), time);
  }
  return lines;
}

/** A window measurement's fields, in the schema's order, from where the schema says each comes; returns the next separator. */
function windowFields(out: LineBuffer, fields: readonly WindowField[], w: WindowStats, extras: WindowExtras): number {
  let sep = SPACE;
  for (const f of fields) {
    const source = f.spec.source;
    sep = 'read' in source
      ? (writeField(out, sep, f.spec.kind, f.key, source.read(w, extras)) ? COMMA : sep)
      : listField(out, sep, f.key, source.list === 'flowStarts' ? flowList : dnsNames);
  }
  return sep;
}
