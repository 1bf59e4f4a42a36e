// Which remote networks are normal to send to, and how much. Per /24 and /16 (IPv6: /48, /32):
// how many distinct addresses the network's hosts sent to, how many local hosts did, on how many
// days, and the most payload one address of it received within about ten minutes. A network with many rotating
// addresses used by several hosts on most days is "shared" (cloud storage, CDNs): a new address
// in it is ordinary. A network seen with one or two addresses is known but narrow: a new address
// there receiving far more than the network ever did is not ordinary.
import type { WindowStats } from '../capture/index.ts';
import { HEADER_BYTES_PER_PACKET } from './features.ts';
import { HOST_SLOTS } from './hostBaselines.ts';
import { networksOf } from './ipPrefix.ts';
import { RecentlySeen } from './onlineDecay.ts';

export interface DestinationBaselineJson {
  /** whole days (UTC) the training covered */
  trainingDays: number;
  /**
   * CIDR → [distinct addresses, distinct local hosts, days seen, most payload one address received,
   * per host slot (workday / other day × local hour, HOST_SLOTS) the most payload one local host
   * sent to the network while it was shared] (decayed 10-minute volumes, bytes; the fifth only for
   * networks shared in training, and absent in older models)
   */
  networks: Record<string, [number, number, number, number] | [number, number, number, number, number[]]>;
}

/** Payload to an address is summed with exponential decay of this time constant: about the last 10 minutes. */
export const VOLUME_DECAY_MS = 600_000;
/** A network is shared when it had at least this many addresses and local hosts, on at least half the days. */
export const SHARED_MIN_ADDRESSES = 8;
export const SHARED_MIN_HOSTS = 3;
/** distinct addresses and hosts are counted up to this per network (enough to tell shared from narrow) */
const DISTINCT_CAP = 64;
const MAX_NETWORKS = 200_000;
const MAX_BURSTS = 50_000;
const DAY_MS = 86_400_000;

/**
 * Distinct addresses and hosts: a count loaded from a model (`…Base`) plus the members seen since
 * (which may repeat loaded ones: the counts are approximate after a reload, capped either way).
 */
interface NetworkState {
  addressBase: number; addresses: Set<string>; hostBase: number; hosts: Set<string>;
  days: number; lastDay: number; maxBurst: number;
  /** per host slot, the most one local host sent to it over about ten minutes while it was shared (null: none learned) */
  hostBurst: Float64Array | null;
  /** learned from training (else only online: it counts while recently seen) */
  trained: boolean;
}

export type NetworkClass = 'shared' | 'narrow' | 'new';

export interface NetworkVerdict {
  cls: NetworkClass;
  /** the network the verdict is about (the /24 when it is known, else the /16 when shared, else the /24) */
  network: string;
  addresses: number;
  hosts: number;
  days: number;
  maxBurst: number;
  /** per host slot, the most one local host sent to it within about ten minutes (null when not learned) */
  hostBurst: Float64Array | null;
}

export interface Burst { remote: string; bytes: number; local: string | undefined }

/** Payload bytes sent to a remote in the window: bytes beyond a header allowance for every packet with it (a download's ACKs are not upload). */
export function payloadOutTo(r: { bytesOut: number; packets: number }): number {
  return Math.max(0, r.bytesOut - HEADER_BYTES_PER_PACKET * r.packets);
}

/**
 * Payload per remote address over about the last ten minutes (a sum that decays with
 * VOLUME_DECAY_MS): a burst counts in full, a heartbeat never adds up to much, and a slow steady
 * upload settles at its rate × 10 minutes.
 */
export class RemoteBursts {
  private readonly bursts = new Map<string, Burst & { last: number }>();

  /** Adds the window's remotes that pass `include`; returns the volumes that grew in it. */
  add(w: WindowStats, include: (remote: string) => boolean): Burst[] {
    const out: Burst[] = [];
    for (const r of w.topRemoteEndpoints) {
      const p = payloadOutTo(r);
      if (p <= 0 || !include(r.host)) continue;
      let b = this.bursts.get(r.host);
      if (b) {
        this.bursts.delete(r.host);
        b.bytes *= Math.exp(-Math.max(0, w.start - b.last) / VOLUME_DECAY_MS);
      } else b = { remote: r.host, bytes: 0, last: w.start, local: undefined };
      this.bursts.set(r.host, b);
      b.bytes += p;
      b.last = w.start;
      b.local ??= w.flowStarts.find((f) => f.remote === r.host && f.direction === 'outbound')?.local;
      out.push(b);
    }
    while (this.bursts.size > MAX_BURSTS) this.bursts.delete(this.bursts.keys().next().value!);
    return out;
  }
}

export class DestinationBaseline {
  private readonly networks = new Map<string, NetworkState>();
  private readonly bursts = new RemoteBursts();
  private trainingDays: number;
  private firstDay = Infinity;
  /** networks touched by online learning, with when */
  private readonly onlineSeen = new RecentlySeen(MAX_NETWORKS);
  private learningOnline = false;
  private lastDay = -Infinity;
  /** whether the most one host sent to a shared network is known (learned now, or in the model) */
  readonly knowsHostVolumes: boolean;

  constructor(json?: DestinationBaselineJson) {
    this.trainingDays = json?.trainingDays ?? 0;
    this.knowsHostVolumes = !json || Object.values(json.networks).some((n) => n.length >= 5);
    if (!json) return;
    for (const [net, [addresses, hosts, days, maxBurst, hostBurst]] of Object.entries(json.networks)) {
      const perSlot = Array.isArray(hostBurst) && hostBurst.length === HOST_SLOTS ? Float64Array.from(hostBurst) : null;
      this.networks.set(net, { addressBase: addresses, addresses: new Set(), hostBase: hosts, hosts: new Set(), days, lastDay: -1, maxBurst, hostBurst: perSlot, trained: true });
    }
  }

  /** Learns what one local host sent to a shared network over about ten minutes, at a host slot (training). */
  learnHostVolume(network: string, slot: number, bytes: number): void {
    const s = this.networks.get(network);
    if (!s || slot < 0 || slot >= HOST_SLOTS) return;
    s.hostBurst ??= new Float64Array(HOST_SLOTS);
    if (bytes > s.hostBurst[slot]!) s.hostBurst[slot] = bytes;
  }

  /** Learns one destination confirmed as normal between retrains (onlineLearning.ts). */
  learnOnline(remote: string, locals: Iterable<string>, payload: number, now: number): void {
    const nets = networksOf(remote);
    if (!nets) return;
    const day = Math.floor(now / DAY_MS);
    this.learningOnline = true;
    for (const net of [nets.narrow, nets.wide]) {
      const s = this.state(net);
      if (!s) continue;
      this.onlineSeen.see(net, now);
      if (s.addressBase + s.addresses.size < DISTINCT_CAP) s.addresses.add(remote);
      for (const l of locals) if (s.hostBase + s.hosts.size < DISTINCT_CAP) s.hosts.add(l);
      if (day > s.lastDay) {
        s.days++;
        s.lastDay = day;
      }
      if (payload > s.maxBurst) s.maxBurst = payload;
    }
    this.learningOnline = false;
  }

  /** Learns the window's outbound destinations (training). */
  learn(w: WindowStats): void {
    const day = Math.floor(w.start / DAY_MS);
    if (day < this.firstDay) this.firstDay = day;
    if (day > this.lastDay) this.lastDay = day;
    for (const f of w.flowStarts) {
      if (f.direction !== 'outbound') continue;
      const nets = networksOf(f.remote);
      if (!nets) continue;
      for (const net of [nets.narrow, nets.wide]) {
        const s = this.state(net);
        if (!s) continue;
        if (s.addressBase + s.addresses.size < DISTINCT_CAP) s.addresses.add(f.remote);
        if (s.hostBase + s.hosts.size < DISTINCT_CAP) s.hosts.add(f.local);
        if (day > s.lastDay) {
          s.days++;
          s.lastDay = day;
        }
      }
    }
    for (const b of this.bursts.add(w, () => true)) {
      const nets = networksOf(b.remote);
      if (!nets) continue;
      for (const net of [nets.narrow, nets.wide]) {
        const s = this.state(net);
        if (s && b.bytes > s.maxBurst) s.maxBurst = b.bytes;
      }
    }
  }

  /** How the network of `remote` was used in training. */
  classify(remote: string, now: number): NetworkVerdict {
    const nets = networksOf(remote);
    const known = (net: string): NetworkState | undefined => {
      const st = this.networks.get(net);
      return st && (st.trained || this.onlineSeen.has(net, now)) ? st : undefined;
    };
    const narrow = nets ? known(nets.narrow) : undefined;
    const wide = nets ? known(nets.wide) : undefined;
    const days = Math.max(1, this.days());
    const shared = (s: NetworkState): boolean =>
      addressesOf(s) >= SHARED_MIN_ADDRESSES && hostsOf(s) >= SHARED_MIN_HOSTS && 2 * s.days >= days;
    const verdict = (cls: NetworkClass, network: string, s: NetworkState | undefined): NetworkVerdict => ({
      cls, network, addresses: s ? addressesOf(s) : 0, hosts: s ? hostsOf(s) : 0, days: s?.days ?? 0, maxBurst: s?.maxBurst ?? 0, hostBurst: s?.hostBurst ?? null,
    });
    if (wide && shared(wide)) {
      // a provider's whole range rotates: the most any of its addresses received is the measure,
      // and the range is the network (a host's uploads to it add up across its /24s)
      const v = verdict('shared', nets!.wide, wide);
      return narrow && shared(narrow) ? { ...v, maxBurst: Math.max(narrow.maxBurst, wide.maxBurst) } : v;
    }
    if (narrow && shared(narrow)) return verdict('shared', nets!.narrow, narrow);
    if (narrow) return verdict('narrow', nets!.narrow, narrow);
    return verdict('new', nets?.narrow ?? remote, undefined);
  }

  toJson(): DestinationBaselineJson {
    const networks: DestinationBaselineJson['networks'] = {};
    for (const [net, s] of [...this.networks.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (!s.trained) continue;
      const head = [addressesOf(s), hostsOf(s), s.days, Math.round(s.maxBurst)] as const;
      networks[net] = s.hostBurst ? [...head, Array.from(s.hostBurst, Math.round)] : [...head];
    }
    return { trainingDays: this.days(), networks };
  }

  private days(): number {
    const seen = Number.isFinite(this.firstDay) ? this.lastDay - this.firstDay + 1 : 0;
    return Math.max(this.trainingDays, seen);
  }

  private state(net: string): NetworkState | undefined {
    let s = this.networks.get(net);
    if (!s) {
      if (this.networks.size >= MAX_NETWORKS) return undefined;
      s = { addressBase: 0, addresses: new Set(), hostBase: 0, hosts: new Set(), days: 0, lastDay: -1, maxBurst: 0, hostBurst: null, trained: !this.learningOnline };
      this.networks.set(net, s);
    }
    return s;
  }
}

function addressesOf(s: NetworkState): number {
  return Math.min(DISTINCT_CAP, s.addressBase + s.addresses.size);
}

function hostsOf(s: NetworkState): number {
  return Math.min(DISTINCT_CAP, s.hostBase + s.hosts.size);
}
