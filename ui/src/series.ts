// Chart series derived from WindowStats: per-direction rates, summed over sensors per window start.
import type { Anomaly, Direction, WindowStats } from './types.ts';

export const CHART_DIRECTIONS: readonly Direction[] = ['outbound', 'inbound', 'internal'];

export interface RatePoint {
  t: number;
  /** per second */
  bytes: Record<Direction, number>;
  packets: Record<Direction, number>;
}

export type Metric = 'bytes' | 'packets';

function zero(): Record<Direction, number> {
  return { outbound: 0, inbound: 0, internal: 0, other: 0 };
}

export function ratesFromWindows(windows: readonly WindowStats[], sensor?: string): RatePoint[] {
  const byStart = new Map<number, RatePoint>();
  for (const w of windows) {
    if (sensor && w.sensor !== sensor) continue;
    const seconds = w.durationMs > 0 ? w.durationMs / 1000 : 1;
    let p = byStart.get(w.start);
    if (!p) {
      p = { t: w.start, bytes: zero(), packets: zero() };
      byStart.set(w.start, p);
    }
    for (const d of Object.keys(p.bytes) as Direction[]) {
      const s = w.directions[d];
      if (!s) continue;
      p.bytes[d] += s.bytes / seconds;
      p.packets[d] += s.packets / seconds;
    }
  }
  return [...byStart.values()].sort((a, b) => a.t - b.t);
}

export interface Band { from: number; to: number; low: number; high: number; level: Anomaly['level'] }

/**
 * Which traffic chart an anomaly's headline feature belongs on: only whole-direction features
 * ("outbound.bytes", "inbound.packets"), since the charts draw direction totals.
 */
export function metricOfFeature(feature: string, unit: string): Metric | null {
  const [scope, name] = feature.split('.');
  if (!scope || !name || !(CHART_DIRECTIONS as readonly string[]).includes(scope)) return null;
  if (name === 'bytes' || (name === 'payload' && unit.startsWith('byte'))) return 'bytes';
  if (name === 'packets') return 'packets';
  return null;
}


/** The model's expected range for the chart's metric, where anomalies carry one. */
export function bandsFor(anomalies: readonly Anomaly[], metric: Metric): Band[] {
  const out: Band[] = [];
  for (const a of anomalies) {
    if (metricOfFeature(a.observed.feature, a.observed.unit) !== metric) continue;
    // per-window totals are drawn as rates, like the observed line
    const windowSeconds = Math.max(1, (a.end - a.start) / 1000 / Math.max(1, a.windows));
    const divisor = a.observed.unit.includes('/s') ? 1 : windowSeconds;
    out.push({ from: a.start, to: a.end, low: a.expected.low / divisor, high: a.expected.high / divisor, level: a.level });
  }
  return out;
}

/**
 * One feature's value in a window, for the evidence chart. Feature names are paths into
 * WindowStats ("outbound.bytes", "directions.outbound.bytes", "dns.nxdomain") or camel-case
 * joins of them ("outboundBytes"); unknown names give undefined.
 */
export function featureValue(w: WindowStats, feature: string): number | undefined {
  const clean = feature.replace(/\/s$|_per_s$|PerSecond$/i, '');
  const parts = clean.split(/[.:/_]/).filter(Boolean);
  const candidates: string[][] = [parts, ['directions', ...parts], ['services', ...parts]];
  const camel = /^([a-z]+)([A-Z][A-Za-z]*)$/.exec(clean);
  if (camel) {
    const rest = camel[2][0].toLowerCase() + camel[2].slice(1);
    candidates.push(['directions', camel[1], rest], ['services', camel[1], rest], [camel[1], rest]);
  }
  for (const path of candidates) {
    let v: unknown = w;
    for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
    if (typeof v === 'number') return v;
  }
  return undefined;
}

export interface ObservedSeries {
  label: string;
  points: { t: number; v: number }[];
  /** false when the line is a stand-in for a feature the windows do not carry */
  exact: boolean;
  /** the anomaly's expected range is in the line's units (false for a stand-in in other units) */
  bandApplies?: boolean;
}

/** Running sum of `points` over the trailing `spanMs` (per-minute features from per-window values). */
function trailingSum(points: { t: number; v: number }[], spanMs: number): { t: number; v: number }[] {
  const out: { t: number; v: number }[] = [];
  let sum = 0;
  let tail = 0;
  for (const p of points) {
    sum += p.v;
    while (points[tail]!.t <= p.t - spanMs) sum -= points[tail++]!.v;
    out.push({ t: p.t, v: sum });
  }
  return out;
}

function cumulative(points: { t: number; v: number }[], from: number): { t: number; v: number }[] {
  let sum = 0;
  return points.filter((p) => p.t >= from).map((p) => ({ t: p.t, v: (sum += p.v) }));
}

/**
 * The anomaly's headline feature over the given windows, in the anomaly's unit. Detector features
 * that no window carries as such (a host's bytes per minute, the bytes sent to a new destination
 * so far, a scanner's distinct ports) are rebuilt from the per-host and per-remote tables the
 * windows do carry; the label says when the line is such a reconstruction.
 */
export function observedSeries(a: Anomaly, windows: readonly WindowStats[]): ObservedSeries {
  const perSecond = a.observed.unit.includes('/s');
  const rate = (w: WindowStats, v: number): number => (perSecond ? v / Math.max(0.001, w.durationMs / 1000) : v);
  const [scope, name] = a.observed.feature.split('.');
  const host = a.subject.localHost;
  const remote = a.subject.remote;
  const collect = (pick: (w: WindowStats) => number | undefined): { t: number; v: number }[] => windows
    .flatMap((w) => { const v = pick(w); return v === undefined ? [] : [{ t: w.start, v: rate(w, v) }]; })
    .sort((p, q) => p.t - q.t);
  const ofHost = (w: WindowStats) => (host ? w.topLocalHosts.find((x) => x.host === host) : undefined);
  const ofRemote = (w: WindowStats) => (remote ? w.topRemoteEndpoints.find((x) => x.host === remote) : undefined);
  if (scope === 'host' && host && name) {
    const exact = collect((w) => {
      const h = ofHost(w) as unknown as Record<string, number> | undefined;
      return h && typeof h[name] === 'number' ? h[name] : undefined;
    });
    if (exact.length) return { label: `${a.observed.feature} of ${host}`, points: exact, exact: true };
    if (/^payloadOutPerMinute$|^bytesOutPerMinute$/.test(name)) {
      return { label: `bytes out of ${host} in the trailing minute, on the wire`, points: trailingSum(collect((w) => ofHost(w)?.bytesOut ?? 0), 60_000), exact: false, bandApplies: true };
    }
    if (name === 'silentSeconds' || name === 'presence') {
      return { label: `bytes to and from ${host} per window (0 while silent)`, points: collect((w) => { const h = ofHost(w); return h ? h.bytesOut + h.bytesIn : 0; }), exact: false };
    }
    if (name.endsWith('Out') || name.endsWith('In')) {
      const out = name.endsWith('Out');
      return {
        label: `bytes ${out ? 'out of' : 'into'} ${host} on the wire (stand-in for ${a.observed.feature})`,
        points: collect((w) => { const h = ofHost(w); return h ? (out ? h.bytesOut : h.bytesIn) : undefined; }),
        exact: false,
        // payload and bytes on the wire are both bytes per window: the band still reads against the line
        bandApplies: a.observed.unit.startsWith('byte'),
      };
    }
  }
  if (scope === 'remote' && remote && name) {
    if (name === 'bytesOut' && a.observed.unit === 'bytes') {
      return { label: `bytes sent to ${remote} since the incident began`, points: cumulative(collect((w) => ofRemote(w)?.bytesOut ?? 0), a.start), exact: false, bandApplies: true };
    }
    const exact = collect((w) => {
      const r = ofRemote(w) as unknown as Record<string, number> | undefined;
      return r && typeof r[name] === 'number' ? r[name] : undefined;
    });
    return { label: `${a.observed.feature} of ${remote}`, points: exact, exact: true };
  }
  if (scope === 'scan' && host) {
    const ports = name === 'distinctPorts';
    return {
      label: `distinct ${ports ? 'destination ports' : 'peers'} of ${host} per window`,
      points: collect((w) => { const h = ofHost(w); return h ? (ports ? h.dstPorts : h.peers) : 0; }), exact: false,
    };
  }
  if (scope === 'tcp' && name === 'rst') {
    return { label: 'TCP resets per second, all directions', points: collect((w) => Object.values(w.directions).reduce((n, d) => n + (d?.tcpRst ?? 0), 0)), exact: true };
  }
  if (scope === 'dns' && name === 'distinctNames' && a.subject.domain) {
    const domain = a.subject.domain.toLowerCase();
    return {
      label: `names under ${a.subject.domain} queried per window`,
      points: collect((w) => w.dns.names.filter((n) => { const d = n.name.toLowerCase(); return d === domain || d.endsWith(`.${domain}`); }).length),
      exact: false,
    };
  }
  if ((scope === 'ioc' || scope === 'pair') && remote) {
    return { label: `bytes exchanged with ${remote} per window`, points: collect((w) => { const r = ofRemote(w); return r ? r.bytesOut + r.bytesIn : 0; }), exact: false };
  }
  return { label: a.observed.feature, points: collect((w) => featureValue(w, a.observed.feature)), exact: true };
}
