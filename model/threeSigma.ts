// The simplest peer the model is compared against: per feature, flag a window whose value lies
// outside mean ± 3σ of the training windows. Consecutive flagged windows of the same kind merge
// into one incident. It has no notion of time of day, hosts or patterns across windows.
import type { WindowStats } from '../capture/index.ts';
import type { AnomalyKind } from './anomaly.ts';
import { FEATURE_COUNT, NETWORK_FEATURES, extractFeatures } from './features.ts';

export interface SimpleIncident {
  kind: AnomalyKind;
  start: number;
  end: number;
  feature: string;
  /** largest |z| seen */
  score: number;
}

/** Which incident kind a feature's excursion would be read as. */
export function kindOfFeature(name: string): AnomalyKind {
  if (/^outbound\.(bytes|payload|packets)$/.test(name) || name === 'hosts.maxPayloadOut') return 'outbound-spike';
  if (/remotePorts|remoteHosts|flowsStarted|synUnanswered|hosts.maxPeers/.test(name)) return 'scan';
  if (/tcp\.rst|icmp\.unreachable|nxdomain/i.test(name)) return 'error-surge';
  if (/^dns\./.test(name)) return 'dns-tunnel';
  if (name === 'hosts.active') return 'host-silent';
  return 'deviation';
}

export class ThreeSigmaDetector {
  private readonly x = new Float64Array(FEATURE_COUNT);
  private readonly open = new Map<AnomalyKind, SimpleIncident>();
  private readonly kinds = NETWORK_FEATURES.map((f) => kindOfFeature(f.name));
  readonly incidents: SimpleIncident[] = [];

  constructor(private readonly moments: { mean: number[]; std: number[] }) {}

  /** Flags one window; returns the number of features outside their band. */
  process(w: WindowStats): number {
    extractFeatures(w, this.x);
    const hit = new Map<AnomalyKind, { feature: string; z: number }>();
    let flagged = 0;
    for (let j = 0; j < FEATURE_COUNT; j++) {
      if (!NETWORK_FEATURES[j]!.seasonal) continue;
      const z = Math.abs(this.x[j]! - this.moments.mean[j]!) / Math.max(this.moments.std[j]!, 1e-6);
      if (z <= 3) continue;
      flagged++;
      const k = this.kinds[j]!;
      const prev = hit.get(k);
      if (!prev || z > prev.z) hit.set(k, { feature: NETWORK_FEATURES[j]!.name, z });
    }
    const end = w.start + w.durationMs;
    for (const [k, h] of hit) {
      const inc = this.open.get(k);
      if (inc && inc.end >= w.start) {
        inc.end = end;
        if (h.z > inc.score) { inc.score = h.z; inc.feature = h.feature; }
      } else {
        const fresh = { kind: k, start: w.start, end, feature: h.feature, score: h.z };
        this.open.set(k, fresh);
        this.incidents.push(fresh);
      }
    }
    return flagged;
  }
}
