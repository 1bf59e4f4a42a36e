// How much fan-out is normal, per scan horizon: for each local host, the most new targets it
// reached on one port (horizontal) and the most new ports it opened on one target (vertical); for
// each port, what the hosts that use it ordinarily reach (the 95th percentile of their maxima,
// so one monitoring server polling every host does not set everyone's limit); for remote
// initiators, the most any of them did per port.
import { SCAN_HORIZONS_MS, type ScanCandidate } from './detectors/scanCounter.ts';
import { DecayingMaxima } from './onlineDecay.ts';

export interface ScanBaselineJson {
  /** `host|port` → the host's most new targets on that port per horizon (only hosts that came near a floor) */
  horizontalHosts: Record<string, number[]>;
  /** port → the 95th percentile over local hosts of their maxima on it, per horizon */
  horizontalPeers: Record<string, number[]>;
  /** port → the most new local targets one remote initiator reached on it, per horizon */
  horizontalRemote: Record<string, number[]>;
  /** host → its most new ports on one target per horizon (only hosts that came near a floor) */
  verticalHosts: Record<string, number[]>;
  /** the 95th percentile over local hosts of their vertical maxima, per horizon */
  verticalPeers: number[];
  /** the most new ports one remote initiator opened on one local host, per horizon */
  verticalRemote: number[];
}

const PEER_QUANTILE = 0.95;
/** fewer hosts on a port than this: no peer value (one host's habit is not the network's) */
const MIN_PEERS = 3;
const STORE_SHARE_OF_FLOOR = 0.25;
const MAX_KEYS = 200_000;
const MAX_STORED = 50_000;

const zeros = (): number[] => SCAN_HORIZONS_MS.map(() => 0);

export class ScanBaseline {
  private readonly horizontalHosts = new Map<string, number[]>();
  private readonly horizontalPeers = new Map<string, number[]>();
  private readonly horizontalRemote = new Map<string, number[]>();
  private readonly verticalHosts = new Map<string, number[]>();
  private verticalPeers = zeros();
  private readonly verticalRemote = zeros();
  /** the initiators' own maxima raised between retrains (onlineLearning.ts), decaying */
  private readonly online = new DecayingMaxima(MAX_KEYS);

  constructor(json?: ScanBaselineJson) {
    if (!json) return;
    for (const [k, v] of Object.entries(json.horizontalHosts)) this.horizontalHosts.set(k, [...v]);
    for (const [k, v] of Object.entries(json.horizontalPeers)) this.horizontalPeers.set(k, [...v]);
    for (const [k, v] of Object.entries(json.horizontalRemote)) this.horizontalRemote.set(k, [...v]);
    for (const [k, v] of Object.entries(json.verticalHosts)) this.verticalHosts.set(k, [...v]);
    this.verticalPeers = [...json.verticalPeers];
    raise(this.verticalRemote, json.verticalRemote);
  }

  /** The learned maximum per horizon that applies to `c`: its own, or its peers', whichever is larger. */
  normalFor(c: ScanCandidate, now: number): number[] {
    const out = zeros();
    raise(out, this.online.get(ownKey(c), now));
    if (c.type === 'horizontal') {
      const port = String(c.port);
      if (!c.initiatorIsLocal) raise(out, this.horizontalRemote.get(port));
      else {
        raise(out, this.horizontalHosts.get(`${c.initiator}|${port}`));
        raise(out, this.horizontalPeers.get(port));
      }
    } else if (!c.initiatorIsLocal) raise(out, this.verticalRemote);
    else {
      raise(out, this.verticalHosts.get(c.initiator));
      raise(out, this.verticalPeers);
    }
    return out;
  }

  /** Raises the maxima `c` belongs to (training, and online learning from quiet windows). */
  learn(c: ScanCandidate): void {
    if (c.type === 'horizontal') {
      if (!c.initiatorIsLocal) return raiseIn(this.horizontalRemote, String(c.port), c.counts);
      return raiseIn(this.horizontalHosts, `${c.initiator}|${c.port}`, c.counts);
    }
    if (!c.initiatorIsLocal) raise(this.verticalRemote, c.counts);
    else raiseIn(this.verticalHosts, c.initiator, c.counts);
  }

  /** Raises the initiator's own online maxima to what `c` showed, at `now`. */
  learnOnline(c: ScanCandidate, now: number): void {
    this.online.raise(ownKey(c), c.counts, now);
  }

  /** The stored form; peer values are computed here from every host's maxima. */
  toJson(floors: { horizontal: readonly number[]; vertical: readonly number[] }): ScanBaselineJson {
    const byPort = new Map<string, number[][]>();
    for (const [k, v] of this.horizontalHosts) {
      const port = k.slice(k.lastIndexOf('|') + 1);
      let list = byPort.get(port);
      if (!list) byPort.set(port, (list = []));
      list.push(v);
    }
    const horizontalPeers: Record<string, number[]> = {};
    for (const [port, list] of [...byPort.entries()].sort((a, b) => Number(a[0]) - Number(b[0]))) {
      const q = quantiles(list);
      if (q) horizontalPeers[port] = q;
    }
    for (const [port, v] of this.horizontalPeers) horizontalPeers[port] ??= [...v];
    const vq = quantiles([...this.verticalHosts.values()]);
    return {
      horizontalHosts: notable(this.horizontalHosts, floors.horizontal),
      horizontalPeers,
      horizontalRemote: Object.fromEntries([...this.horizontalRemote.entries()].sort((a, b) => Number(a[0]) - Number(b[0]))),
      verticalHosts: notable(this.verticalHosts, floors.vertical),
      verticalPeers: vq ? raise(vq, this.verticalPeers) : [...this.verticalPeers],
      verticalRemote: [...this.verticalRemote],
    };
  }
}

/** The key of the maxima `c` is judged by: the host and port (horizontal) or host (vertical); for remote initiators, the port. */
function ownKey(c: ScanCandidate): string {
  const side = c.initiatorIsLocal ? c.initiator : 'remote';
  return c.type === 'horizontal' ? `h|${side}|${c.port}` : `v|${side}`;
}

function raise(into: number[], from: readonly number[] | undefined): number[] {
  if (from) for (let i = 0; i < into.length; i++) if (from[i]! > into[i]!) into[i] = from[i]!;
  return into;
}

function raiseIn(map: Map<string, number[]>, key: string, counts: readonly number[]): void {
  const m = map.get(key);
  if (m) raise(m, counts);
  else if (map.size < MAX_KEYS) map.set(key, [...counts]);
}

/** Per horizon, the PEER_QUANTILE value over the lists (lower index: an outlier does not count); null for too few. */
function quantiles(lists: number[][]): number[] | null {
  if (lists.length < MIN_PEERS) return null;
  return SCAN_HORIZONS_MS.map((_, h) => {
    const v = lists.map((l) => l[h]!).sort((a, b) => a - b);
    return v[Math.floor(PEER_QUANTILE * (v.length - 1))]!;
  });
}

function notable(map: Map<string, number[]>, floors: readonly number[]): Record<string, number[]> {
  return Object.fromEntries(
    [...map.entries()]
      .filter(([, v]) => v.some((m, i) => m >= STORE_SHARE_OF_FLOOR * floors[i]!))
      .sort((a, b) => b[1][1]! - a[1][1]! || (a[0] < b[0] ? -1 : 1))
      .slice(0, MAX_STORED)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
  );
}
