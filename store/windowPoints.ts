// WindowStats ⇄ points: the readable form of the schema (whose field lists in schema.ts both
// encoders walk). The reader rebuilds windows with
// pointsToWindowStats(); writers encode windows with encodeWindow() (windowLines.ts), whose bytes
// the tests hold equal to these points through toLine(). Everything the model needs to rebuild a window for training is stored:
// per-direction traffic, services, top local hosts, top remotes (by rank), DNS summary with its
// names, capture health, and the flow starts as compact text.
import {
  DIRECTIONS, SERVICES, WINDOW_STATS_VERSION, emptyWindowStats,
  type Direction, type DnsName, type FlowStart, type L4Protocol, type Service, type WindowStats,
} from '../capture/index.ts';
import type { StorePoint } from './point.ts';
import { CAPTURE_HEALTH, DNS, FLOW_STARTS, type WindowExtras, type WindowMeasurementSpec } from './schema.ts';

/** InfluxDB string fields are capped at 64 KiB; lists are cut below that and the cut is counted. */
export const MAX_STRING_CHARS = 60_000;
export const PROTOS: readonly L4Protocol[] = ['tcp', 'udp', 'icmp', 'other'];

type CompactDnsName = [string, string, number, number, number];

export function compactDnsName(n: DnsName): CompactDnsName {
  return [n.name, n.client, n.queries, n.nxdomain, n.qtype];
}

export function boundedJson<T>(items: readonly T[], encode: (t: T) => unknown): { json: string; cut: number } {
  if (items.length === 0) return { json: '[]', cut: 0 };
  const encoded = items.map(encode);
  let json = JSON.stringify(encoded);
  if (json.length <= MAX_STRING_CHARS) return { json, cut: 0 };
  // Too long: shrink the list in proportion, a few stringify calls rather than one per item.
  let keep = encoded.length;
  while (json.length > MAX_STRING_CHARS && keep > 0) {
    keep = Math.min(keep - 1, Math.floor((keep * MAX_STRING_CHARS * 0.98) / json.length));
    json = JSON.stringify(encoded.slice(0, keep));
  }
  return { json, cut: items.length - keep };
}

// Flow starts are addresses and numbers only, so a plain text list is enough and far cheaper than
// JSON (no quotes to escape in line protocol): "dt,dir,proto,local,remote,port;…".
export const LIST_SEPARATORS = /[,;]/g;

export function flowStartsText(w: WindowStats): { text: string; cut: number } {
  let text = '';
  const list = w.flowStarts;
  for (let i = 0; i < list.length; i++) {
    const f = list[i]!;
    const item = `${f.ts - w.start},${DIRECTIONS.indexOf(f.direction)},${PROTOS.indexOf(f.proto)},${f.local.replace(LIST_SEPARATORS, '')},${f.remote.replace(LIST_SEPARATORS, '')},${f.port}`;
    if (text.length + item.length + 1 > MAX_STRING_CHARS) return { text, cut: list.length - i };
    text = text ? `${text};${item}` : item;
  }
  return { text, cut: 0 };
}

function parseFlowStarts(v: unknown, start: number): FlowStart[] {
  if (typeof v !== 'string' || v === '') return [];
  return v.split(';').map((item): FlowStart => {
    const [dt, dir, proto, local, remote, port] = item.split(',');
    return {
      ts: start + Number(dt), direction: DIRECTIONS[Number(dir)] ?? 'other', proto: PROTOS[Number(proto)] ?? 'other',
      local: local ?? '', remote: remote ?? '', port: Number(port) || 0,
    };
  });
}

export function windowStatsToPoints(w: WindowStats): StorePoint[] {
  const time = w.start;
  const sensor = w.sensor;
  const points: StorePoint[] = [];
  // A direction or service without packets in the window is left out: the reader fills in zeros,
  // sums stay exact, and a quiet network costs InfluxDB a fraction of the points.
  for (const d of DIRECTIONS) {
    const ds = w.directions[d];
    if (!isQuiet(ds)) points.push({ measurement: 'traffic', tags: { sensor, direction: d }, fields: { ...ds }, time });
  }
  for (const s of SERVICES) {
    const st = w.services[s];
    if (st && !isQuiet(st)) points.push({ measurement: 'services', tags: { sensor, service: s }, fields: { ...st }, time });
  }
  const flows = flowStartsText(w);
  const names = boundedJson(w.dns.names, compactDnsName);
  const extras: WindowExtras = { flowsCut: flows.cut, namesCut: names.cut, storeDropped: w.health.storeDropped };
  const lists = { flowStarts: flows.text, dnsNames: names.json };
  points.push({ measurement: 'capture_health', tags: { sensor }, fields: windowFields(CAPTURE_HEALTH, w, extras, lists), time });
  w.topLocalHosts.forEach((lh, rank) => {
    const { host, ...rest } = lh;
    points.push({ measurement: 'local_hosts', tags: { sensor, host }, fields: { rank, ...rest }, time });
  });
  w.topRemoteEndpoints.forEach((re, rank) => {
    points.push({ measurement: 'remote_endpoints', tags: { sensor, rank: String(rank) }, fields: { ...re }, time });
  });
  points.push({ measurement: 'dns', tags: { sensor }, fields: windowFields(DNS, w, extras, lists), time });
  if (w.flowStarts.length > 0) {
    points.push({ measurement: 'flow_starts', tags: { sensor }, fields: windowFields(FLOW_STARTS, w, extras, lists), time });
  }
  return points;
}

/** A window measurement's fields, in the schema's order, from where the schema says each comes. */
function windowFields(spec: WindowMeasurementSpec, w: WindowStats, extras: WindowExtras, lists: Record<'flowStarts' | 'dnsNames', string>): StorePoint['fields'] {
  const fields: StorePoint['fields'] = {};
  for (const f of spec.fields) fields[f.name] = 'read' in f.source ? f.source.read(w, extras) : lists[f.source.list];
  return fields;
}

export function isQuiet(counts: object): boolean {
  const c = counts as Record<string, unknown>;
  for (const k in c) if (c[k] !== 0) return false;
  return true;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function parseList<T>(v: unknown): T[] {
  if (typeof v !== 'string' || v === '') return [];
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? (parsed as T[]) : [];
  } catch {
    return [];
  }
}

function copyNumbers<T extends object>(target: T, fields: Record<string, unknown>): void {
  const t = target as Record<string, unknown>;
  for (const k of Object.keys(t)) if (typeof t[k] === 'number' && k in fields) t[k] = num(fields[k]);
}

/**
 * Points (as read back) → WindowStats, one per (sensor, time) that has a capture_health point.
 * Roll-up points give the same shape: counts are sums over the bucket, distinct counts are maxima.
 */
export function pointsToWindowStats(points: Iterable<StorePoint>, defaultDurationMs = 1_000): WindowStats[] {
  const windows = new Map<string, WindowStats>();
  const pending: StorePoint[] = [];
  const key = (sensor: string, time: number): string => `${sensor}\u0000${time}`;
  for (const p of points) {
    if (p.measurement !== 'capture_health') {
      pending.push(p);
      continue;
    }
    const sensor = p.tags.sensor ?? '';
    const w = emptyWindowStats(sensor, p.time, num(p.fields.durationMs) || defaultDurationMs);
    w.version = WINDOW_STATS_VERSION;
    w.flushedByClock = p.fields.flushedByClock === true;
    w.flowStartsDropped = num(p.fields.flowStartsDropped);
    copyNumbers(w.health, p.fields);
    windows.set(key(sensor, p.time), w);
  }
  for (const p of pending) {
    const w = windows.get(key(p.tags.sensor ?? '', p.time));
    if (!w) continue;
    const f = p.fields;
    switch (p.measurement) {
      case 'traffic': {
        const d = p.tags.direction as Direction;
        if (w.directions[d]) copyNumbers(w.directions[d], f);
        break;
      }
      case 'services': {
        const s = p.tags.service as Service;
        if (w.services[s]) copyNumbers(w.services[s], f);
        break;
      }
      case 'local_hosts': {
        const lh = { host: p.tags.host ?? '', bytesOut: 0, bytesIn: 0, packetsOut: 0, packetsIn: 0, flows: 0, flowsStarted: 0,
          peers: 0, dstPorts: 0, tcpSyn: 0, tcpSynUnanswered: 0, tcpRstReceived: 0, dnsQueries: 0, dnsNxdomain: 0 };
        copyNumbers(lh, f);
        (w.topLocalHosts as (typeof lh & { rank?: number })[]).push(Object.assign(lh, { rank: num(f.rank) }));
        break;
      }
      case 'remote_endpoints': {
        const re = { host: typeof f.host === 'string' ? f.host : '', bytesOut: 0, bytesIn: 0, packets: 0, flows: 0, localHosts: 0, topPort: 0 };
        copyNumbers(re, f);
        (w.topRemoteEndpoints as (typeof re & { rank?: number })[]).push(Object.assign(re, { rank: Number(p.tags.rank) }));
        break;
      }
      case 'dns': {
        const { names: _names, ...summary } = w.dns;
        copyNumbers(summary, f);
        Object.assign(w.dns, summary);
        w.dns.names = parseList<CompactDnsName>(f.names).map(([name, client, queries, nxdomain, qtype]): DnsName =>
          ({ name, client, queries, nxdomain, qtype }));
        break;
      }
      case 'flow_starts':
        w.flowStarts = parseFlowStarts(f.list, w.start);
        break;
      default:
        break;
    }
  }
  const out = [...windows.values()];
  for (const w of out) {
    sortByRank(w.topLocalHosts);
    sortByRank(w.topRemoteEndpoints);
  }
  out.sort((a, b) => a.start - b.start || (a.sensor < b.sensor ? -1 : a.sensor > b.sensor ? 1 : 0));
  return out;
}

function sortByRank<T extends object>(list: T[]): void {
  const ranked = list as (T & { rank?: number })[];
  ranked.sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
  for (const item of ranked) delete item.rank;
}
