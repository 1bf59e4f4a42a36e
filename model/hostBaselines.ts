// Per-host baselines for every local host seen in training, and peer-group baselines for hosts
// with little or no history. A host's baseline is 48 slots (workday / non-workday × 24 local
// hours) of six statistics, quantised to 16 bits on a log scale: under 1 kB per host in
// meta.json, so thousands of hosts fit. Built in one streaming pass; no per-window objects kept.
import { activeHosts, hostPayloadToRemote, presentHosts } from './features.ts';
import type { WindowStats } from '../capture/index.ts';
import { HOURS_PER_DAY, type SiteCalendar } from './timeSlots.ts';
import { RollingUpload } from './detectors/uploadVolume.ts';
import { decodeProfile } from './hostProfile.ts';

/** workday (weekday) and non-workday (weekend, holiday) × hour of day */
export const HOST_SLOTS = 2 * HOURS_PER_DAY;

/** The statistics kept per slot, in this order. */
export const HOST_STATS = ['present', 'hours', 'maxGapMs', 'windowMean', 'windowMax', 'minuteMax', 'hourMean', 'hourMax'] as const;
export type HostStat = (typeof HOST_STATS)[number];
const STAT = Object.fromEntries(HOST_STATS.map((s, i) => [s, i])) as Record<HostStat, number>;
const N_STATS = HOST_STATS.length;

/** log1p(v) × QUANT fits 16 bits for v up to ~8e13 with 0.05 % resolution */
const QUANT = 2048;

export interface HostBaselineJson {
  /** local hosts → base64 of HOST_SLOTS × HOST_STATS uint16 values (log-quantised) */
  hosts: Record<string, string>;
  /** host → its behaviour role (the peer group learned from what it does) */
  roles: Record<string, string>;
  /** peer groups ("role:…", "subnet:…", "all") → the same encoding: per slot the 95th percentile of the members' values */
  groups: Record<string, string>;
  /** known (not lossy, not excluded) windows and distinct hours per slot */
  windows: number[];
  hours: number[];
  /** host → its mean 15-minute behaviour profile (the host model's "typical"), and per peer group the mean of its members' */
  profiles?: Record<string, string>;
  groupProfiles?: Record<string, string>;
}

export function hostSlot(calendar: SiteCalendar, ms: number): number {
  const s = calendar.slot(ms);
  return (s.dayType === 'weekday' ? 0 : HOURS_PER_DAY) + s.hourOfDay;
}

/** The subnet peer group of an address: its /24 (IPv4) or /64 (IPv6). */
export function subnetOf(host: string): string {
  if (host.includes(':')) return `subnet:${host.split(':').slice(0, 4).join(':')}::/64`;
  const p = host.split('.');
  return `subnet:${p[0]}.${p[1]}.${p[2]}.0/24`;
}

const SERVICE_CLASS: Record<number, string> = {
  80: 'web', 443: 'web', 8080: 'web', 8443: 'web', 53: 'dns', 25: 'mail', 465: 'mail', 587: 'mail', 993: 'mail', 995: 'mail', 143: 'mail',
  445: 'smb', 139: 'smb', 3389: 'rdp', 22: 'ssh', 1433: 'db', 3306: 'db', 5432: 'db', 1521: 'db', 389: 'directory', 636: 'directory', 88: 'directory',
  123: 'ntp', 631: 'print', 9100: 'print',
};
function serviceClass(port: number): string {
  return SERVICE_CLASS[port] ?? 'other';
}

function encode(values: Float64Array): string {
  const q = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.min(65_535, Math.round(Math.log1p(Math.max(0, values[i]!)) * QUANT));
  return Buffer.from(q.buffer, q.byteOffset, q.byteLength).toString('base64');
}

function decode(text: string): Float64Array {
  const b = Buffer.from(text, 'base64');
  const q = new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  if (q.length !== HOST_SLOTS * N_STATS) throw new Error(`a host baseline holds ${q.length} values, expected ${HOST_SLOTS * N_STATS}; retrain the model`);
  const v = new Float64Array(q.length);
  for (let i = 0; i < q.length; i++) v[i] = Math.expm1(q[i]! / QUANT);
  return v;
}

interface HostAccumulator {
  stats: Float64Array;
  /** start of the last window it was present in */
  last: number;
  /** payload in the current hour */
  hourBytes: number;
  hourId: number;
  hourSlot: number;
  /** flows it started, per service class, and flows it answered */
  initiated: Map<string, number>;
  served: Map<string, number>;
}

export class HostBaselineBuilder {
  private readonly hosts = new Map<string, HostAccumulator>();
  private readonly windows = new Array<number>(HOST_SLOTS).fill(0);
  private readonly hours = new Array<number>(HOST_SLOTS).fill(0);
  private hourId = NaN;
  private readonly present = new Set<string>();
  private rolling: RollingUpload | null = null;
  /** end of the latest window that was unknown (lossy or excluded): absences do not span it */
  private unknownUntil = -Infinity;

  constructor(private readonly calendar: SiteCalendar) {}

  /** A window that is left out (excluded range) or lossy: neither presence nor absence. */
  unknown(w: { start: number; durationMs: number }): void {
    this.unknownUntil = Math.max(this.unknownUntil, w.start + w.durationMs);
  }

  add(w: WindowStats): void {
    const slot = hostSlot(this.calendar, w.start);
    const hourId = Math.floor((w.start + this.calendar.offsetMs(w.start)) / 3_600_000);
    this.windows[slot]!++;
    if (hourId !== this.hourId) {
      this.hourId = hourId;
      this.hours[slot]!++;
    }
    const perSec = 1000 / Math.max(1, w.durationMs);
    presentHosts(w, this.present);
    for (const host of this.present) {
      let a = this.hosts.get(host);
      if (!a) {
        a = { stats: new Float64Array(HOST_SLOTS * N_STATS), last: w.start, hourBytes: 0, hourId: NaN, hourSlot: slot, initiated: new Map(), served: new Map() };
        this.hosts.set(host, a);
      } else {
        const gapStart = Math.max(a.last + w.durationMs, this.unknownUntil);
        if (w.start > gapStart) {
          const gap = Math.min(w.start, this.calendar.hourEnd(gapStart)) - gapStart;
          const g = hostSlot(this.calendar, gapStart) * N_STATS + STAT.maxGapMs;
          if (gap > a.stats[g]!) a.stats[g] = gap;
        }
      }
      a.last = w.start;
      a.stats[slot * N_STATS + STAT.present]!++;
      if (a.hourId !== hourId) {
        this.closeHour(a);
        a.hourId = hourId;
        a.hourSlot = slot;
        a.stats[slot * N_STATS + STAT.hours]!++;
      }
    }
    for (const h of activeHosts(w)) {
      const a = this.hosts.get(h.host);
      if (!a) continue;
      const p = hostPayloadToRemote(h);
      a.hourBytes += p;
      const i = slot * N_STATS + STAT.windowMax;
      if (p * perSec > a.stats[i]!) a.stats[i] = p * perSec;
      // summed here, divided by the windows present in build()
      a.stats[slot * N_STATS + STAT.windowMean] += p * perSec;
    }
    this.rolling ??= new RollingUpload(w.durationMs);
    const senders = this.rolling.add(w);
    for (let k = 0; k < senders; k++) {
      const a = this.hosts.get(this.rolling.host(k));
      const bytes = this.rolling.minute(k);
      const i = slot * N_STATS + STAT.minuteMax;
      if (a && bytes > a.stats[i]!) a.stats[i] = bytes;
    }
    for (const f of w.flowStarts) {
      const initiator = f.direction === 'outbound' || f.direction === 'internal' ? f.local : null;
      const responder = f.direction === 'inbound' ? f.local : f.direction === 'internal' ? f.remote : null;
      const cls = serviceClass(f.port);
      if (initiator !== null) {
        const a = this.hosts.get(initiator);
        if (a) a.initiated.set(cls, (a.initiated.get(cls) ?? 0) + 1);
      }
      if (responder !== null) {
        const a = this.hosts.get(responder);
        if (a) a.served.set(cls, (a.served.get(cls) ?? 0) + 1);
      }
    }
  }

  private closeHour(a: HostAccumulator): void {
    if (Number.isNaN(a.hourId)) return;
    const i = a.hourSlot * N_STATS + STAT.hourMax;
    if (a.hourBytes > a.stats[i]!) a.stats[i] = a.hourBytes;
    // summed here, divided by the hours present in build()
    a.stats[a.hourSlot * N_STATS + STAT.hourMean] += a.hourBytes;
    a.hourBytes = 0;
  }

  get hostCount(): number {
    return this.hosts.size;
  }

  build(): HostBaselineJson {
    const hosts: Record<string, string> = {};
    const roles: Record<string, string> = {};
    const members = new Map<string, Float64Array[]>();
    const join = (group: string, stats: Float64Array): void => {
      const m = members.get(group);
      if (m) m.push(stats);
      else members.set(group, [stats]);
    };
    for (const host of [...this.hosts.keys()].sort()) {
      const a = this.hosts.get(host)!;
      this.closeHour(a);
      for (let k = 0; k < HOST_SLOTS; k++) {
        const n = a.stats[k * N_STATS + STAT.present]!;
        a.stats[k * N_STATS + STAT.windowMean] = n > 0 ? a.stats[k * N_STATS + STAT.windowMean]! / n : 0;
        const hours = a.stats[k * N_STATS + STAT.hours]!;
        a.stats[k * N_STATS + STAT.hourMean] = hours > 0 ? a.stats[k * N_STATS + STAT.hourMean]! / hours : 0;
      }
      hosts[host] = encode(a.stats);
      const role = roleOf(a, this.windows);
      roles[host] = role;
      join(`role:${role}`, a.stats);
      join(subnetOf(host), a.stats);
      join('all', a.stats);
    }
    const groups: Record<string, string> = {};
    for (const [g, list] of [...members.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))) groups[g] = encode(percentileProfile(list, PEER_PERCENTILE));
    return { hosts, roles, groups, windows: [...this.windows], hours: [...this.hours] };
  }
}

/**
 * What a host does, from its flows: a server of the service class it answers most (when it answers
 * at least a fifth of its flows), else a client that is always on or keeps office hours.
 */
function roleOf(a: HostAccumulator, windows: readonly number[]): string {
  let served = 0, initiated = 0, topServed = '', topCount = 0;
  for (const [cls, n] of a.served) { served += n; if (n > topCount) { topCount = n; topServed = cls; } }
  for (const n of a.initiated.values()) initiated += n;
  if (served >= 10 && served >= 0.2 * (served + initiated)) return `server-${topServed}`;
  // presence at night (00–06 local) against presence at midday (10–16), workdays
  let night = 0, nightW = 0, day = 0, dayW = 0;
  for (let h = 0; h < 6; h++) { night += a.stats[h * N_STATS + STAT.present]!; nightW += windows[h]!; }
  for (let h = 10; h < 16; h++) { day += a.stats[h * N_STATS + STAT.present]!; dayW += windows[h]!; }
  const nightShare = nightW ? night / nightW : 0;
  const dayShare = dayW ? day / dayW : 0;
  return dayShare > 0 && nightShare >= 0.5 * dayShare ? 'client-always-on' : 'client-office-hours';
}

function percentileProfile(list: readonly Float64Array[], p: number): Float64Array {
  const out = new Float64Array(HOST_SLOTS * N_STATS);
  const col = new Float64Array(list.length);
  for (let j = 0; j < out.length; j++) {
    for (let k = 0; k < list.length; k++) col[k] = list[k]![j]!;
    col.sort();
    out[j] = col[Math.min(col.length - 1, Math.floor(p * (col.length - 1) + 0.5))]!;
  }
  return out;
}

/** A peer group's value for a statistic is this percentile of its members' values: what nearly
 * every host of its kind does, without letting the one odd member set the limit for all. */
const PEER_PERCENTILE = 0.95;

/** What one slot says about a host (its own history, or its peer group's). */
export interface HostSlotView {
  /** share of the slot's known windows in which the host sent anything */
  presence: number;
  /** distinct training hours in this slot with the host present */
  hours: number;
  maxGapMs: number;
  /** mean payload to remote addresses per window it was present in, bytes/s */
  windowMean: number;
  /** bytes/s, bytes per minute, bytes per hour of payload to remote addresses (training maxima) */
  windowMax: number;
  minuteMax: number;
  /** payload to remote addresses in an hour it was present in: the mean and the largest */
  hourMean: number;
  hourMax: number;
  /** 'own' or the peer group used */
  source: string;
}

export interface UploadLimits {
  /** bytes/s, bytes per minute, bytes per hour of payload to remote addresses */
  windowMax: number;
  minuteMax: number;
  hourMean: number;
  hourMax: number;
  /** the larger of the host's and its peer group's largest hour */
  peerHourMax: number;
  /** whose values the burst limits are: 'own+<peer group>' or '<peer group>' (a host never seen) */
  source: string;
  /** whose values the hourly budget is: 'own' (mature history), 'own+<peer group>' or '<peer group>' */
  budgetSource: string;
  maturity: number;
}

/** A host's own history must cover this many training hours in a slot before it is used alone. */
export const MATURE_HOST_HOURS = 2;

export class HostBaselines {
  private readonly own = new Map<string, Float64Array>();
  private readonly groups = new Map<string, Float64Array>();
  private readonly profiles = new Map<string, Float64Array>();
  private readonly groupProfiles = new Map<string, Float64Array>();

  constructor(readonly json: HostBaselineJson, readonly calendar: SiteCalendar) {
    for (const [h, t] of Object.entries(json.hosts)) this.own.set(h, decode(t));
    for (const [g, t] of Object.entries(json.groups)) this.groups.set(g, decode(t));
    for (const [h, t] of Object.entries(json.profiles ?? {})) this.profiles.set(h, decodeProfile(t));
    for (const [g, t] of Object.entries(json.groupProfiles ?? {})) this.groupProfiles.set(g, decodeProfile(t));
  }

  get hosts(): IterableIterator<string> {
    return this.own.keys();
  }

  has(host: string): boolean {
    return this.own.has(host);
  }

  slotOf(ms: number): number {
    return hostSlot(this.calendar, ms);
  }

  /** The host's typical behaviour profile: its own, else its peer group's (a host never seen). */
  typicalProfile(host: string): { profile: Float64Array; source: string } | null {
    const own = this.profiles.get(host);
    if (own) return { profile: own, source: 'own' };
    const g = this.peerGroup(host);
    const peer = this.groupProfiles.get(g);
    return peer ? { profile: peer, source: g } : null;
  }

  /** Known windows and hours of training in a slot. */
  slotWindows(slot: number): { windows: number; hours: number } {
    return { windows: this.json.windows[slot] ?? 0, hours: this.json.hours[slot] ?? 0 };
  }

  /** The host's own view of a slot, or null when it has no history. */
  ownSlot(host: string, slot: number): HostSlotView | null {
    const v = this.own.get(host);
    return v ? this.view(v, slot, 'own') : null;
  }

  /** The behaviour role learned for a host in training (undefined for a host never seen). */
  role(host: string): string | undefined {
    return this.json.roles[host];
  }

  /** The peer group a host falls back on: its behaviour role, else its subnet, else all hosts. */
  peerGroup(host: string): string {
    const role = this.json.roles[host];
    if (role && this.groups.has(`role:${role}`)) return `role:${role}`;
    const subnet = subnetOf(host);
    return this.groups.has(subnet) ? subnet : 'all';
  }

  peerSlot(host: string, slot: number): HostSlotView | null {
    const g = this.peerGroup(host);
    const v = this.groups.get(g);
    return v ? this.view(v, slot, g) : null;
  }

  /**
   * The slots an upload at `slot` is judged by: the slot and the hours either side. A kind of day
   * training never saw borrows the same hours of the other kind: a weekend judged by weekdays
   * rather than by nothing at all.
   */
  private judgedSlots(slot: number): { at: number; slots: readonly number[]; borrowed: boolean } {
    const other = (s: number): number => (s < HOURS_PER_DAY ? s + HOURS_PER_DAY : s - HOURS_PER_DAY);
    const borrowed = (this.json.hours[slot] ?? 0) === 0;
    const at = borrowed ? other(slot) : slot;
    const around = (s: number): number[] => {
      const base = s < HOURS_PER_DAY ? 0 : HOURS_PER_DAY;
      const h = s - base;
      return [base + ((h + 23) % 24), s, base + ((h + 1) % 24)];
    };
    // a kind of day with less history at this hour than the other kind (two weekend days against
    // five weekdays) also takes the other kind's same hours: what a host sends at 20:00 is better
    // told by seven evenings than by two
    const thinner = !borrowed && (this.json.hours[at] ?? 0) < (this.json.hours[other(at)] ?? 0);
    return { at, slots: thinner ? [...around(at), ...around(other(at))] : around(at), borrowed };
  }

  /**
   * Upload limits for a host at a slot, as the largest of the slot and its neighbouring hours (a
   * recurring job that starts half an hour early is still at home): the host's own when its
   * history there is mature, else the larger of its own and its peer group's.
   */
  uploadLimits(host: string, slot: number): UploadLimits {
    // a borrowed kind of day counts at a quarter of the maturity
    const { at, slots, borrowed } = this.judgedSlots(slot);
    const own = this.own.get(host);
    const peerName = this.peerGroup(host);
    const peer = this.groups.get(peerName);
    // maturity is the slot's own history: the neighbouring hours widen the limits, not the evidence
    const ownHours = own ? own[at * N_STATS + STAT.hours]! : 0;
    const mature = ownHours >= MATURE_HOST_HOURS;
    const pick = (stat: number, withPeers: boolean): number => {
      let m = 0;
      for (const s of slots) {
        if (own) m = Math.max(m, own[s * N_STATS + stat]!);
        if (withPeers && peer) m = Math.max(m, peer[s * N_STATS + stat]!);
      }
      return m;
    };
    return {
      // a burst is judged against the host and its kind of host (cloud sync bursts are what
      // workstations do); the hourly budget against the host alone once its history is mature
      windowMax: pick(STAT.windowMax, true), minuteMax: pick(STAT.minuteMax, true),
      hourMean: pick(STAT.hourMean, !mature), hourMax: pick(STAT.hourMax, !mature), peerHourMax: pick(STAT.hourMax, true),
      source: own ? `own+${peerName}` : peerName,
      budgetSource: mature ? 'own' : own ? `own+${peerName}` : peerName,
      maturity: Math.min(1, ownHours / (3 * MATURE_HOST_HOURS)) * (borrowed ? 0.25 : 1),
    };
  }

  private view(v: Float64Array, slot: number, source: string): HostSlotView {
    const o = slot * N_STATS;
    const windows = this.json.windows[slot] ?? 0;
    return {
      presence: windows > 0 ? Math.min(1, v[o + STAT.present]! / windows) : 0,
      hours: Math.round(v[o + STAT.hours]!),
      maxGapMs: v[o + STAT.maxGapMs]!,
      windowMean: v[o + STAT.windowMean]!,
      windowMax: v[o + STAT.windowMax]!,
      minuteMax: v[o + STAT.minuteMax]!,
      hourMean: v[o + STAT.hourMean]!,
      hourMax: v[o + STAT.hourMax]!,
      source,
    };
  }
}
