// Outbound payload per local host summed over a sliding minute: a sustained upload that never
// stands out in any single second (15 MB over four minutes) still stands out over a minute.
// Training records the largest minute per host and hour of day; detection compares against it.
import type { WindowStats } from '../../capture/index.ts';
import { HEADER_BYTES_PER_PACKET, activeHosts, hostPayloadToRemote } from '../features.ts';

export const UPLOAD_HORIZON_MS = 60_000;

export class RollingUpload {
  private readonly ring: Array<Map<string, number>> = [];
  private readonly sums = new Map<string, number>();
  /** per host, the remote that received most of its bytes in the latest window it sent any */
  private readonly receivers = new Map<string, string>();
  /** windows in the sliding minute */
  readonly horizon: number;

  constructor(durationMs: number) {
    this.horizon = Math.max(1, Math.round(UPLOAD_HORIZON_MS / Math.max(1, durationMs)));
  }

  /** What a host sent out in the latest window, bytes. */
  current(host: string): number {
    return this.ring[this.ring.length - 1]?.get(host) ?? 0;
  }

  /** The remote that received most of what a host sent in the latest window it sent anything, if known. */
  receiver(host: string): string | undefined {
    return this.receivers.get(host);
  }

  /** Adds a window; returns the minute sums (bytes) of the hosts that sent something in it. */
  add(w: WindowStats): Map<string, number> {
    const o = w.directions.outbound;
    // windows recorded before hosts' remote bytes were counted only bound a host by what left the network
    const leftNetwork = Math.max(0, o.bytes - o.packets * HEADER_BYTES_PER_PACKET);
    const now = new Map<string, number>();
    for (const h of activeHosts(w)) {
      const p = Math.min(hostPayloadToRemote(h), leftNetwork);
      if (p > 0) {
        now.set(h.host, p);
        if (h.topRemote !== undefined) this.receivers.set(h.host, h.topRemote);
      }
    }
    this.ring.push(now);
    for (const [h, p] of now) this.sums.set(h, (this.sums.get(h) ?? 0) + p);
    if (this.ring.length > this.horizon) {
      for (const [h, p] of this.ring.shift()!) {
        const s = (this.sums.get(h) ?? 0) - p;
        if (s <= 1e-6) {
          this.sums.delete(h);
          this.receivers.delete(h);
        }
        else this.sums.set(h, s);
      }
    }
    const out = new Map<string, number>();
    for (const h of now.keys()) out.set(h, this.sums.get(h)!);
    return out;
  }
}
