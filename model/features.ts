// Features: a fixed-length numeric view of one window (network-wide) plus a few numbers per
// top local host. Counts and volumes are per second and log1p-scaled so that 1 s and 10 s
// windows and quiet and busy networks land on comparable scales. Any change to the list or
// to how a feature is computed bumps FEATURE_VERSION: a model only scores the features it
// was trained on.
import { DIRECTIONS, SERVICES, type WindowStats, type LocalHostStats } from '../capture/index.ts';
import { SiteCalendar } from './timeSlots.ts';

export const FEATURE_VERSION = 2;

/** Bytes a header-only packet (TCP ACK over Ethernet/IPv4) carries: outbound bytes beyond this
 * per packet are payload, so the ACK stream of a big download does not look like an upload. */
export const HEADER_BYTES_PER_PACKET = 66;

export type FeatureScale = 'log1p-rate' | 'share' | 'plain' | 'cyclic';

export interface FeatureSpec {
  name: string;
  scale: FeatureScale;
  unit: string;
  /** part of the seasonal baseline (time features and shares of nothing are not) */
  seasonal: boolean;
}

const VOLUME_DIRECTIONS = ['outbound', 'inbound', 'internal'] as const;

function buildNetworkFeatures(): FeatureSpec[] {
  const f: FeatureSpec[] = [];
  const rate = (name: string, unit: string): void => { f.push({ name, scale: 'log1p-rate', unit, seasonal: true }); };
  for (const d of VOLUME_DIRECTIONS) {
    rate(`${d}.bytes`, 'bytes/s');
    rate(`${d}.packets`, 'packets/s');
    rate(`${d}.flowsStarted`, 'flows/s');
    rate(`${d}.remoteHosts`, 'hosts');
    rate(`${d}.remotePorts`, 'ports');
  }
  rate('outbound.payload', 'bytes/s');
  rate('tcp.synUnanswered', 'SYN/s');
  rate('tcp.rst', 'RST/s');
  rate('icmp.unreachable', 'msgs/s');
  f.push({ name: 'tcp.synUnansweredShare', scale: 'share', unit: 'share', seasonal: true });
  rate('dns.queries', 'queries/s');
  rate('dns.nxdomain', 'NXDOMAIN/s');
  f.push({ name: 'dns.nxdomainShare', scale: 'share', unit: 'share', seasonal: true });
  f.push({ name: 'dns.nameLengthMean', scale: 'plain', unit: 'chars', seasonal: true });
  f.push({ name: 'dns.labelEntropy', scale: 'plain', unit: 'bits/char', seasonal: true });
  for (const s of SERVICES) f.push({ name: `mix.${s}`, scale: 'share', unit: 'share of bytes', seasonal: true });
  rate('hosts.active', 'hosts');
  rate('hosts.maxPayloadOut', 'bytes/s');
  rate('hosts.maxPeers', 'peers');
  for (const name of ['time.hodSin', 'time.hodCos', 'time.workday']) {
    f.push({ name, scale: 'cyclic', unit: '', seasonal: false });
  }
  return f;
}

export const NETWORK_FEATURES: readonly FeatureSpec[] = buildNetworkFeatures();
export const FEATURE_NAMES: readonly string[] = NETWORK_FEATURES.map((f) => f.name);
export const FEATURE_COUNT = NETWORK_FEATURES.length;
const FEATURE_INDEX = new Map(FEATURE_NAMES.map((n, i) => [n, i]));

export function featureIndex(name: string): number {
  const i = FEATURE_INDEX.get(name);
  if (i === undefined) throw new Error(`unknown feature '${name}'`);
  return i;
}

export const HOST_FEATURES: readonly FeatureSpec[] = [
  { name: 'host.payloadOut', scale: 'log1p-rate', unit: 'bytes/s', seasonal: true },
];

/** Converts a feature value back to the unit a person reads (bytes/s, hosts, share …). */
export function toDisplay(spec: FeatureSpec, value: number): number {
  return spec.scale === 'log1p-rate' ? Math.expm1(value) : value;
}

export function fromDisplay(spec: FeatureSpec, value: number): number {
  return spec.scale === 'log1p-rate' ? Math.log1p(Math.max(0, value)) : value;
}

const DAY_MS = 86_400_000;

/** Fills `out` (length FEATURE_COUNT) with the window's features; allocates nothing. Time
 * features are in the site's calendar: local hour of day, and whether it is a working day. */
export function extractFeatures(w: WindowStats, out: Float64Array, calendar: SiteCalendar = SiteCalendar.UTC): Float64Array {
  const perSec = 1000 / Math.max(1, w.durationMs);
  const lr = (v: number): number => Math.log1p(Math.max(0, v) * perSec);
  const lc = (v: number): number => Math.log1p(Math.max(0, v));
  let i = 0;
  for (const d of VOLUME_DIRECTIONS) {
    const s = w.directions[d];
    out[i++] = lr(s.bytes);
    out[i++] = lr(s.packets);
    out[i++] = lr(s.flowsStarted);
    out[i++] = lc(s.remoteHosts);
    out[i++] = lc(s.remotePorts);
  }
  const o = w.directions.outbound;
  out[i++] = lr(o.bytes - o.packets * HEADER_BYTES_PER_PACKET);
  let syn = 0, unanswered = 0, rst = 0, unreach = 0;
  for (const d of DIRECTIONS) {
    const s = w.directions[d];
    syn += s.tcpSyn; unanswered += s.tcpSynUnanswered; rst += s.tcpRst; unreach += s.icmpUnreachable;
  }
  out[i++] = lr(unanswered);
  out[i++] = lr(rst);
  out[i++] = lr(unreach);
  out[i++] = syn > 0 ? Math.min(1, unanswered / syn) : 0;
  out[i++] = lr(w.dns.queries);
  out[i++] = lr(w.dns.nxdomain);
  out[i++] = w.dns.responses > 0 ? Math.min(1, w.dns.nxdomain / w.dns.responses) : 0;
  out[i++] = w.dns.nameLengthMean;
  out[i++] = w.dns.labelEntropyMean;
  let total = 0;
  for (const s of SERVICES) total += w.services[s].bytes;
  for (const s of SERVICES) out[i++] = total > 0 ? w.services[s].bytes / total : 0;
  let maxOut = 0, maxPeers = 0;
  const hosts = activeHosts(w);
  for (const h of hosts) {
    const p = hostPayloadToRemote(h);
    if (p > maxOut) maxOut = p;
    if (h.peers > maxPeers) maxPeers = h.peers;
  }
  out[i++] = lc(hosts.length);
  out[i++] = lr(maxOut);
  out[i++] = lc(maxPeers);
  const slot = calendar.slot(w.start);
  // the hour's phase with its minutes: local time is the UTC time plus the calendar's offset
  const local = w.start + calendar.offsetMs(w.start);
  const dayPhase = (2 * Math.PI * (((local % DAY_MS) + DAY_MS) % DAY_MS)) / DAY_MS;
  out[i++] = Math.sin(dayPhase);
  out[i++] = Math.cos(dayPhase);
  // the kind of day, not the day of the week: a model trained on three weekdays has seen every
  // working day's rhythm, but would find a Thursday's phase of the week new
  out[i++] = slot.dayType === 'weekday' ? 1 : 0;
  return out;
}

export function hostPayloadOut(h: LocalHostStats): number {
  return Math.max(0, h.bytesOut - h.packetsOut * HEADER_BYTES_PER_PACKET);
}

/** Payload a host sent to remote addresses (what left the network through it). Windows recorded
 * before the capture counted it per host only have bytesOut, which includes internal traffic. */
export function hostPayloadToRemote(h: LocalHostStats): number {
  if (h.bytesToRemote === undefined) return hostPayloadOut(h);
  return Math.max(0, h.bytesToRemote - (h.packetsToRemote ?? 0) * HEADER_BYTES_PER_PACKET);
}

/** Every active local host of the window: the full table when the capture gave it, else the top list. */
export function activeHosts(w: WindowStats): readonly LocalHostStats[] {
  return w.localHosts ?? w.topLocalHosts;
}


/** Fills `out` with the local hosts that sent at least one packet in the window ("silent" means
 * none). A host that only received (the target of a connection attempt) may be down and does not
 * count. Windows without the full host table fall back to the top list, flow initiators and DNS clients.
 * With `among`, only those hosts are looked for (a detector that watches a few hosts need not
 * collect thousands). */
export function presentHosts(w: WindowStats, out: Set<string>, among?: ReadonlySet<string>): Set<string> {
  out.clear();
  const add = (host: string): void => { if (!among || among.has(host)) out.add(host); };
  if (w.localHosts) {
    for (const h of w.localHosts) if (h.packetsOut > 0) add(h.host);
    return out;
  }
  for (const h of w.topLocalHosts) if (h.packetsOut > 0) add(h.host);
  for (const f of w.flowStarts) if (f.direction === 'outbound' || f.direction === 'internal') add(f.local);
  for (const d of w.dns.names) add(d.client);
  return out;
}

/** A window counts as lossy when the capture dropped more than this share of its packets. */
export const CAPTURE_LOSS_RATIO = 0.001;

/** Whether the capture lost enough of a window that its absences and gaps are unknown. */
export function windowCaptureLoss(w: WindowStats): boolean {
  const h = w.health;
  return h.lossRatio > CAPTURE_LOSS_RATIO || (h.packetsIfDropped > 0 && h.packetsIfDropped / Math.max(1, h.packetsSeen) > CAPTURE_LOSS_RATIO);
}
