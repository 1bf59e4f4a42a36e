// new-destination: local hosts send a significant volume to a remote address that never
// appeared in the baseline (addresses, not networks: one cloud /24 hosts unrelated services). Downloads from new places are normal and are
// not counted; only bytes sent out are.
import { contributionsFrom, formatBytes, round, type Detector, type Finding, type WindowContext } from './finding.ts';
import type { WindowStats } from '../../capture/index.ts';

/** Volume to one unknown remote within the horizon that always counts as significant. */
export const MIN_NEW_DESTINATION_BYTES = 150_000;
export const NEW_DESTINATION_HORIZON_MS = 60_000;
const MAX_TRACKED = 10_000;

export class KnownRemotes {
  private readonly addresses: Set<string>;
  constructor(known: { addresses: string[] }) {
    this.addresses = new Set(known.addresses);
  }
  has(ip: string): boolean {
    return this.addresses.has(ip);
  }
}

/** Outbound bytes per unknown remote over a sliding horizon. */
export class UnknownRemoteVolume {
  private readonly volume = new Map<string, { bytes: number; since: number; last: number; local: string | undefined }>();
  constructor(private readonly known: KnownRemotes) {}

  add(w: WindowStats): Array<{ remote: string; bytes: number; since: number; local: string | undefined }> {
    const out: Array<{ remote: string; bytes: number; since: number; local: string | undefined }> = [];
    for (const r of w.topRemoteEndpoints) {
      if (r.bytesOut <= 0 || this.known.has(r.host)) continue;
      let v = this.volume.get(r.host);
      if (!v || w.start - v.last > NEW_DESTINATION_HORIZON_MS) {
        v = { bytes: 0, since: w.start, last: w.start, local: undefined };
      }
      this.volume.delete(r.host);
      this.volume.set(r.host, v);
      v.bytes += r.bytesOut;
      v.last = w.start;
      if (!v.local) v.local = w.flowStarts.find((f) => f.remote === r.host && f.direction === 'outbound')?.local;
      out.push({ remote: r.host, bytes: v.bytes, since: v.since, local: v.local });
    }
    while (this.volume.size > MAX_TRACKED) this.volume.delete(this.volume.keys().next().value!);
    return out;
  }
}

export class NewDestinationDetector implements Detector {
  private readonly volume: UnknownRemoteVolume;
  constructor(known: KnownRemotes) {
    this.volume = new UnknownRemoteVolume(known);
  }

  detect(ctx: WindowContext, out: Finding[]): void {
    const limit = MIN_NEW_DESTINATION_BYTES;
    for (const v of this.volume.add(ctx.w)) {
      if (v.bytes < limit) continue;
      out.push({
        kind: 'new-destination',
        key: `new-destination|${v.remote}`,
        subject: { remote: v.remote, ...(v.local ? { localHost: v.local } : {}) },
        strength: v.bytes / limit,
        score: round(v.bytes),
        observed: { feature: 'remote.bytesOut', value: round(v.bytes), unit: 'bytes' },
        expected: { low: 0, high: 0, median: 0 },
        contributions: contributionsFrom([{ feature: 'remote.bytesOut', observed: v.bytes, expected: 0, excess: v.bytes }]),
        maturity: 1,
        summary: `${formatBytes(v.bytes)} sent to ${v.remote}${v.local ? ` by ${v.local}` : ''}, an address never seen in the baseline`,
        holdMs: NEW_DESTINATION_HORIZON_MS / 2,
      });
    }
  }
}
