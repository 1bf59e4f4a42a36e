// Synthetic office traffic as WindowStats, for the model's tests and benchmark: a dozen
// workstations with a working-day profile, an always-on server, a nightly backup host and a
// pool of remote services. Seeded, so every run sees the same windows.
import { emptyWindowStats, type FlowStart, type LocalHostStats, type WindowStats } from '../../capture/index.ts';

export const DAY_MS = 86_400_000;
/** Monday 2026-11-16 00:00 UTC */
export const T0 = Date.UTC(2026, 10, 16);
export const SERVER = '10.0.0.50';
export const BACKUP_HOST = '10.0.0.20';
export const BACKUP_REMOTE = '198.51.100.7';
export const WORKSTATIONS = Array.from({ length: 12 }, (_, i) => `10.0.0.${i + 1}`);
export const REMOTES = Array.from({ length: 40 }, (_, i) => `203.0.113.${i + 1}`);
/** the nightly backup runs 02:00–02:30 UTC */
export const BACKUP_HOUR = 2;
export const BACKUP_BYTES_PER_S = 3_000_000;

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function activity(ms: number): number {
  const h = ((ms % DAY_MS) / 3_600_000);
  const dow = Math.floor((ms - T0) / DAY_MS) % 7;
  if (dow >= 5) return 0.1;
  return h >= 8 && h < 18 ? 1 : 0.1;
}

export function hostStats(host: string, bytesOut: number, bytesIn: number, extra: Partial<LocalHostStats> = {}): LocalHostStats {
  return {
    host, bytesOut, bytesIn, packetsOut: Math.ceil(bytesOut / 1000), packetsIn: Math.ceil(bytesIn / 1200),
    flows: 2, flowsStarted: 1, peers: 2, dstPorts: 2, tcpSyn: 1, tcpSynUnanswered: 0, tcpRstReceived: 0,
    dnsQueries: 1, dnsNxdomain: 0, ...extra,
  };
}

/** Recomputes the network totals of a window from its hosts and flow starts (after edits). */
export function finishWindow(w: WindowStats): WindowStats {
  const o = w.directions.outbound;
  const i = w.directions.inbound;
  o.bytes = 0; o.packets = 0; i.bytes = 0; i.packets = 0;
  for (const h of w.topLocalHosts) {
    o.bytes += h.bytesOut; o.packets += h.packetsOut; i.bytes += h.bytesIn; i.packets += h.packetsIn;
  }
  o.flowsStarted = w.flowStarts.filter((f) => f.direction === 'outbound').length;
  o.flowsActive = o.flowsStarted;
  o.remoteHosts = new Set(w.flowStarts.map((f) => f.remote)).size;
  o.remotePorts = new Set(w.flowStarts.map((f) => f.port)).size;
  w.services.tls.bytes = Math.round((o.bytes + i.bytes) * 0.7);
  w.services.http.bytes = Math.round((o.bytes + i.bytes) * 0.2);
  w.services.dns.bytes = Math.round((o.bytes + i.bytes) * 0.1);
  w.health.packetsSeen = o.packets + i.packets + w.directions.internal.packets;
  return w;
}

export interface SyntheticOptions {
  start?: number;
  windows: number;
  windowMs: number;
  seed?: number;
  backup?: boolean;
}

/** Normal office windows, one after another. */
export function* syntheticWindows(opts: SyntheticOptions): Generator<WindowStats> {
  const r = rng(opts.seed ?? 7);
  const start = opts.start ?? T0;
  const sec = opts.windowMs / 1000;
  for (let k = 0; k < opts.windows; k++) {
    const t = start + k * opts.windowMs;
    yield normalWindow(t, opts.windowMs, r, sec, opts.backup ?? true);
  }
}

export function normalWindow(t: number, windowMs: number, r: () => number, sec = windowMs / 1000, backup = true): WindowStats {
  const w = emptyWindowStats('test', t, windowMs);
  const act = activity(t);
  const flowStarts: FlowStart[] = [];
  for (const host of WORKSTATIONS) {
    if (r() > act * 0.9 + 0.05) continue;
    const out = (5_000 + r() * 20_000) * sec;
    const inb = out * (3 + r() * 4);
    w.topLocalHosts.push(hostStats(host, out, inb, { peers: 1 + Math.floor(r() * 4) }));
    const n = 1 + Math.floor(r() * 2);
    for (let j = 0; j < n; j++) {
      flowStarts.push({ ts: t + Math.floor(r() * windowMs), direction: 'outbound', proto: 'tcp', local: host, remote: REMOTES[Math.floor(r() * REMOTES.length)]!, port: r() < 0.8 ? 443 : 80 });
    }
    if (r() < 0.5) w.dns.names.push({ name: `www.site${Math.floor(r() * 30)}.example.com`, client: host, queries: 1, nxdomain: 0, qtype: 1 });
  }
  const sOut = (2_000 + r() * 1_000) * sec;
  w.topLocalHosts.push(hostStats(SERVER, sOut, sOut * 2, { peers: 3 }));
  flowStarts.push({ ts: t, direction: 'outbound', proto: 'udp', local: SERVER, remote: '192.0.2.53', port: 53 });
  if (backup && Math.floor((t % DAY_MS) / 3_600_000) === BACKUP_HOUR && (t % 3_600_000) < 1_800_000) {
    const b = BACKUP_BYTES_PER_S * (0.8 + r() * 0.4) * sec;
    w.topLocalHosts.push(hostStats(BACKUP_HOST, b, b / 40, { peers: 1 }));
    w.topRemoteEndpoints.push({ host: BACKUP_REMOTE, bytesOut: b, bytesIn: b / 40, packets: Math.ceil(b / 1000), flows: 1, localHosts: 1, topPort: 22 });
  }
  for (const f of flowStarts) {
    if (!w.topRemoteEndpoints.some((e) => e.host === f.remote)) w.topRemoteEndpoints.push({ host: f.remote, bytesOut: 1000, bytesIn: 5000, packets: 8, flows: 1, localHosts: 1, topPort: f.port });
  }
  w.flowStarts = flowStarts;
  const q = w.dns.names.length;
  w.dns.queries = q; w.dns.responses = q; w.dns.nameLengthMean = q ? 22 : 0; w.dns.labelEntropyMean = q ? 2.5 : 0;
  w.directions.outbound.dnsQueries = q;
  w.directions.outbound.tcpSyn = flowStarts.length;
  w.directions.inbound.tcpRst = r() < 0.2 ? 1 : 0;
  return finishWindow(w);
}
