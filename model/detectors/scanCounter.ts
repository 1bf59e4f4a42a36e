// Sliding counts for scan detection over the last few windows: distinct ports per
// (initiator → target) and distinct targets per (initiator, port). Counts enter with a window and
// leave with it, so each window costs time proportional to its own flow starts.
import type { FlowStart, WindowStats } from '../../capture/index.ts';

export interface ScanCandidate {
  type: 'vertical' | 'horizontal';
  initiator: string;
  initiatorIsLocal: boolean;
  /** vertical: the scanned host */
  target?: string;
  /** horizontal: the scanned port */
  port?: number;
  count: number;
}

interface Entry { vKey: string; port: number; hKey: string; target: string }

/** Scans are judged over this much event time. */
export const SCAN_HORIZON_MS = 10_000;

export class ScanCounter {
  private readonly ring: Entry[][] = [];
  private readonly vertical = new Map<string, Map<number, number>>();
  private readonly horizontal = new Map<string, Map<string, number>>();
  /** largest counts seen so far (training calibration) */
  maxVertical = 0;
  readonly maxHorizontal: Record<string, number> = {};

  constructor(private readonly horizonWindows: number) {}

  static forWindow(durationMs: number): ScanCounter {
    return new ScanCounter(Math.max(1, Math.round(SCAN_HORIZON_MS / Math.max(1, durationMs))));
  }

  add(w: WindowStats): ScanCandidate[] {
    const entries: Entry[] = [];
    const touchedV = new Set<string>();
    const touchedH = new Set<string>();
    for (const f of w.flowStarts) {
      const e = entryOf(f);
      if (!e) continue;
      entries.push(e);
      if (e.port > 0) {
        bump(this.vertical, e.vKey, e.port, 1);
        touchedV.add(e.vKey);
      }
      bump(this.horizontal, e.hKey, e.target, 1);
      touchedH.add(e.hKey);
    }
    this.ring.push(entries);
    if (this.ring.length > this.horizonWindows) {
      for (const e of this.ring.shift()!) {
        if (e.port > 0) bump(this.vertical, e.vKey, e.port, -1);
        bump(this.horizontal, e.hKey, e.target, -1);
      }
    }
    const out: ScanCandidate[] = [];
    for (const k of touchedV) {
      const n = this.vertical.get(k)?.size ?? 0;
      if (n > this.maxVertical) this.maxVertical = n;
      const [initiator, target, local] = k.split('>');
      out.push({ type: 'vertical', initiator: initiator!, target: target!, initiatorIsLocal: local === 'l', count: n });
    }
    for (const k of touchedH) {
      const n = this.horizontal.get(k)?.size ?? 0;
      const [initiator, port, local] = k.split('|');
      if (n > (this.maxHorizontal[port!] ?? 0)) this.maxHorizontal[port!] = n;
      out.push({ type: 'horizontal', initiator: initiator!, port: Number(port), initiatorIsLocal: local === 'l', count: n });
    }
    return out;
  }
}

function entryOf(f: FlowStart): Entry | null {
  if (f.direction === 'other') return null;
  const inbound = f.direction === 'inbound';
  const initiator = inbound ? f.remote : f.local;
  const target = inbound ? f.local : f.remote;
  const port = f.proto === 'tcp' || f.proto === 'udp' ? f.port : 0;
  const l = inbound ? 'r' : 'l';
  return { vKey: `${initiator}>${target}>${l}`, port, hKey: `${initiator}|${f.proto === 'icmp' ? 0 : port}|${l}`, target };
}

function bump<K>(map: Map<string, Map<K, number>>, key: string, item: K, delta: number): void {
  let m = map.get(key);
  if (!m) {
    if (delta < 0) return;
    m = new Map();
    map.set(key, m);
  }
  const c = (m.get(item) ?? 0) + delta;
  if (c <= 0) m.delete(item);
  else m.set(item, c);
  if (m.size === 0) map.delete(key);
}
