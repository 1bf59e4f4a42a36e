// Which remote networks are normal to send to, and how much. Per /24 and /16 (IPv6: /48, /32):
// how many distinct addresses the network's hosts sent to, how many local hosts did, on how many
// days, and the most payload one address of it received within about ten minutes. A network with many rotating
// addresses used by several hosts on most days is "shared" (cloud storage, CDNs): a new address
// in it is ordinary. A network seen with one or two addresses is known but narrow: a new address
// there receiving far more than the network ever did is not ordinary.
import type { WindowStats } from '../capture/index.ts';
import { HEADER_BYTES_PER_PACKET } from './features.ts';
import { networksOf } from './ipPrefix.ts';
import { RecentlySeen } from './onlineDecay.ts';

export interface DestinationBaselineJson {
  /** whole days (UTC) the training covered */
  trainingDays: number;
  /**
   * CIDR → [distinct addresses, distinct local hosts, days seen, most payload one address received]
   * and, for networks commonly sent to (commonNetwork), the most payload one local host sent to it,
   * that host, and the most any other host sent (decayed 10-minute volumes, bytes; absent in
   * older models)
   */
  networks: Record<string, [number, number, number, number] | [number, number, number, number, number, string, number]>;
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
  /** while commonly sent to: the most one local host sent to it over about ten minutes, that host, and the most any other host sent */
  hostMax: number; hostMaxOf: string; hostSecond: number;
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
  /** the most one local host sent to it within about ten minutes, that host ('' when not learned), and the most any other host sent */
  hostMax: number;
  hostMaxOf: string;
  hostSecond: number;
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
    this.knowsHostVolumes = !json || Object.values(json.networks).some((n) => n.length >= 7);
    if (!json) return;
    for (const [net, [addresses, hosts, days, maxBurst, hostMax, hostMaxOf, hostSecond]] of Object.entries(json.networks)) {
      this.networks.set(net, {
        addressBase: addresses, addresses: new Set(), hostBase: hosts, hosts: new Set(), days, lastDay: -1, maxBurst,
        hostMax: hostMax ?? 0, hostMaxOf: hostMaxOf ?? '', hostSecond: hostSecond ?? 0, trained: true,
      });
    }
  }

  /** Learns what one local host sent to a commonly used network over about ten minutes (training). */
  learnHostVolume(network: string, host: string, bytes: number): void {
    const s = this.networks.get(network);
    if (!s) return;
    if (host === s.hostMaxOf) s.hostMax = Math.max(s.hostMax, bytes);
    else if (bytes > s.hostMax) {
      s.hostSecond = s.hostMax;
      s.hostMax = bytes;
      s.hostMaxOf = host;
    } else if (bytes > s.hostSecond) s.hostSecond = bytes;
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
      cls, network, addresses: s ? addressesOf(s) : 0, hosts: s ? hostsOf(s) : 0, days: s?.days ?? 0, maxBurst: s?.maxBurst ?? 0,
      hostMax: s?.hostMax ?? 0, hostMaxOf: s?.hostMaxOf ?? '', hostSecond: s?.hostSecond ?? 0,
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

  /**
   * The network of `remote` when it is one the site's hosts commonly send to: a shared network
   * (rotating addresses), or a known /24 that at least SHARED_MIN_HOSTS local hosts sent to on at
   * least half the days (a vendor's cloud endpoint every camera uses, a SaaS service). Uploads
   * there are judged by what one host sends to it (sharedUploads.ts). Null for any other.
   */
  commonNetwork(remote: string, now: number): NetworkVerdict | null {
    const v = this.classify(remote, now);
    if (v.cls === 'shared') return v;
    if (v.cls === 'narrow' && v.hosts >= SHARED_MIN_HOSTS && 2 * v.days >= Math.max(1, this.days())) return v;
    return null;
  }

  toJson(): DestinationBaselineJson {
    const networks: DestinationBaselineJson['networks'] = {};
    for (const [net, s] of [...this.networks.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (!s.trained) continue;
      const head = [addressesOf(s), hostsOf(s), s.days, Math.round(s.maxBurst)] as const;
      networks[net] = s.hostMaxOf !== '' ? [...head, Math.round(s.hostMax), s.hostMaxOf, Math.round(s.hostSecond)] : [...head];
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
      s = { addressBase: 0, addresses: new Set(), hostBase: 0, hosts: new Set(), days: 0, lastDay: -1, maxBurst: 0, hostMax: 0, hostMaxOf: '', hostSecond: 0, trained: !this.learningOnline };
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

/** The most one local host other than `host` sent to the network within about ten minutes in training: what the site's other hosts do there. */
export function othersVolume(v: NetworkVerdict, host: string): number {
  return host === v.hostMaxOf ? v.hostSecond : v.hostMax;
}
