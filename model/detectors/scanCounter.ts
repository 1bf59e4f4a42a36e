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
interface Group<K> { initiator: string; local: boolean; target: string; port: number; items: Map<K, number> }

/** Scans are judged over this much event time. */
export const SCAN_HORIZON_MS = 10_000;

export class ScanCounter {
  private readonly ring: Entry[][] = [];
  private readonly vertical = new Map<string, Group<number>>();
  private readonly horizontal = new Map<string, Group<string>>();
  /** largest counts seen so far (training calibration) */
  maxVertical = 0;
  readonly maxHorizontal: Record<number, number> = {};

  constructor(private readonly horizonWindows: number) {}

  static forWindow(durationMs: number): ScanCounter {
    return new ScanCounter(Math.max(1, Math.round(SCAN_HORIZON_MS / Math.max(1, durationMs))));
  }

  add(w: WindowStats): ScanCandidate[] {
    const entries: Entry[] = [];
    const touchedV = new Set<string>();
    const touchedH = new Set<string>();
    for (const f of w.flowStarts) {
      if (f.direction === 'other') continue;
      const e = entryOf(f);
      entries.push(e);
      if (e.port > 0) {
        bump(this.vertical, e.vKey, e.port, 1, f);
        touchedV.add(e.vKey);
      }
      bump(this.horizontal, e.hKey, e.target, 1, f);
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
      const g = this.vertical.get(k);
      if (!g) continue;
      const n = g.items.size;
      if (n > this.maxVertical) this.maxVertical = n;
      out.push({ type: 'vertical', initiator: g.initiator, target: g.target, initiatorIsLocal: g.local, count: n });
    }
    for (const k of touchedH) {
      const g = this.horizontal.get(k);
      if (!g) continue;
      const n = g.items.size;
      if (n > (this.maxHorizontal[g.port] ?? 0)) this.maxHorizontal[g.port] = n;
      out.push({ type: 'horizontal', initiator: g.initiator, port: g.port, initiatorIsLocal: g.local, count: n });
    }
    return out;
  }
}

function entryOf(f: FlowStart): Entry {
  const inbound = f.direction === 'inbound';
  const initiator = inbound ? f.remote : f.local;
  const target = inbound ? f.local : f.remote;
  const port = f.proto === 'tcp' || f.proto === 'udp' ? f.port : 0;
  const l = inbound ? 'r' : 'l';
  return { vKey: `${initiator}>${target}>${l}`, port, hKey: `${initiator}|${f.proto === 'icmp' ? 0 : port}|${l}`, target };
}

function bump<K>(map: Map<string, Group<K>>, key: string, item: K, delta: number, f?: FlowStart): void {
  let g = map.get(key);
  if (!g) {
    if (delta < 0 || !f) return;
    const inbound = f.direction === 'inbound';
    g = {
      initiator: inbound ? f.remote : f.local, local: !inbound, target: inbound ? f.local : f.remote,
      port: f.proto === 'icmp' ? 0 : f.port, items: new Map(),
    };
    map.set(key, g);
  }
  const c = (g.items.get(item) ?? 0) + delta;
  if (c <= 0) g.items.delete(item);
  else g.items.set(item, c);
  if (g.items.size === 0) map.delete(key);
}
