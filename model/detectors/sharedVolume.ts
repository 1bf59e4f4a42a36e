// What each local host sent to each of the site's shared networks (cloud storage, CDNs) over about
// the last ten minutes: a sum that decays with VOLUME_DECAY_MS (destinationBaseline.ts). Training
// records the largest of these per network; detection compares against it.
import type { WindowStats } from '../../capture/index.ts';
import { VOLUME_DECAY_MS, type NetworkVerdict } from '../destinationBaseline.ts';
import { activeHosts, hostPayloadToRemote } from '../features.ts';
import type { SharedUploads } from '../sharedUploads.ts';

export interface SharedVolume {
  host: string;
  bytes: number;
  /** the shared network, and the receiver in it that got the latest window's upload */
  network: NetworkVerdict;
  receiver: string;
  last: number;
}

/** volumes that decayed below this are forgotten */
const FORGET_BYTES = 1_000;
const SWEEP_MS = 60_000;

export class SharedUploadVolumes {
  private readonly volumes = new Map<string, SharedVolume>();
  private lastSweep = -Infinity;
  /** the volumes that grew in the latest window */
  readonly grown: SharedVolume[] = [];

  constructor(private readonly shared: SharedUploads) {}

  add(w: WindowStats): readonly SharedVolume[] {
    this.grown.length = 0;
    if (w.start - this.lastSweep >= SWEEP_MS) this.sweep(w.start);
    for (const h of activeHosts(w)) {
      const p = hostPayloadToRemote(h);
      if (p <= 0) continue;
      const net = this.shared.networkOf(h, w.start);
      if (!net) continue;
      const key = `${h.host}|${net.network}`;
      let v = this.volumes.get(key);
      if (v) v.bytes *= Math.exp(-Math.max(0, w.start - v.last) / VOLUME_DECAY_MS);
      else {
        v = { host: h.host, bytes: 0, network: net, receiver: h.topRemote!, last: w.start };
        this.volumes.set(key, v);
      }
      v.bytes += p;
      v.last = w.start;
      v.network = net;
      v.receiver = h.topRemote!;
      this.grown.push(v);
    }
    return this.grown;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, v] of this.volumes) {
      if (v.bytes * Math.exp(-Math.max(0, now - v.last) / VOLUME_DECAY_MS) < FORGET_BYTES) this.volumes.delete(key);
    }
  }
}
