// Sliding counts for scan detection: per (initiator → target) the distinct ports it opened flows
// to (vertical), per (initiator, port) the distinct targets (horizontal). An item counts when it
// is new to its group — not touched in the last hour — and the counts are the new items within
// 10 s, 5 min and 1 h (a horizon shorter than the window is the window): a fast sweep fills the short horizon, one new host a second fills the
// five-minute one, a patient scan the hour.
import type { FlowStart, WindowStats } from '../../capture/index.ts';

export const SCAN_HORIZONS_MS = [10_000, 300_000, 3_600_000] as const;
export const SCAN_HORIZON_LABELS = ['10 s', '5 min', '1 h'] as const;
const MEMORY_MS = SCAN_HORIZONS_MS[SCAN_HORIZONS_MS.length - 1];
/** items remembered per group; beyond it the oldest are forgotten (counts stay far above any limit) */
const MAX_ITEMS_PER_GROUP = 4_096;
const MAX_GROUPS = 100_000;

export type ScanType = 'vertical' | 'horizontal';

interface Group {
  type: ScanType;
  initiator: string;
  local: boolean;
  /** vertical: the scanned host */
  target: string;
  /** horizontal: the scanned port (0 for ICMP) */
  port: number;
  /** item (port number or target address) → last time touched; Map order = last-touched order */
  items: Map<number | string, number>;
  /** first-touch times of items new to the group, ascending, from `head` on */
  arrivals: number[];
  head: number;
}

export interface ScanCandidate {
  type: ScanType;
  initiator: string;
  initiatorIsLocal: boolean;
  /** vertical: the scanned host */
  target?: string;
  /** horizontal: the scanned port */
  port?: number;
  /** new items per horizon (SCAN_HORIZONS_MS order) */
  counts: number[];
  /** opaque handle for `recentItems` */
  group: object;
}

export class ScanCounter {
  private readonly groups = new Map<string, Group>();
  private readonly touched = new Set<Group>();

  /** Adds the window's flow starts; returns the groups that gained a new item in it (a count can only have grown there). */
  add(w: WindowStats): ScanCandidate[] {
    this.touched.clear();
    for (const f of w.flowStarts) {
      if (f.direction === 'other') continue;
      const inbound = f.direction === 'inbound';
      const initiator = inbound ? f.remote : f.local;
      const target = inbound ? f.local : f.remote;
      const port = f.proto === 'tcp' || f.proto === 'udp' ? f.port : 0;
      const side = inbound ? 'r' : 'l';
      if (port > 0) this.touch(`v|${initiator}>${target}|${side}`, 'vertical', f, port, f.ts);
      this.touch(`h|${initiator}|${f.proto === 'icmp' ? 0 : port}|${side}`, 'horizontal', f, target, f.ts);
    }
    while (this.groups.size > MAX_GROUPS) this.groups.delete(this.groups.keys().next().value!);
    const now = w.start + w.durationMs;
    const out: ScanCandidate[] = [];
    for (const g of this.touched) {
      forget(g, now);
      out.push({
        type: g.type, initiator: g.initiator, initiatorIsLocal: g.local,
        ...(g.type === 'vertical' ? { target: g.target } : { port: g.port }),
        counts: SCAN_HORIZONS_MS.map((h) => countSince(g, now - Math.max(h, w.durationMs))), group: g,
      });
    }
    return out;
  }

  /** The group's most recently touched items, newest first (targets or ports for the evidence). */
  static recentItems(c: ScanCandidate, n: number): Array<number | string> {
    const items = [...(c.group as Group).items.keys()];
    return items.slice(-n).reverse();
  }

  private touch(key: string, type: ScanType, f: FlowStart, item: number | string, ts: number): void {
    let g = this.groups.get(key);
    if (g) this.groups.delete(key);
    else {
      const inbound = f.direction === 'inbound';
      g = {
        type, initiator: inbound ? f.remote : f.local, local: !inbound, target: inbound ? f.local : f.remote,
        port: f.proto === 'icmp' ? 0 : f.port, items: new Map(), arrivals: [], head: 0,
      };
    }
    this.groups.set(key, g);
    const seen = g.items.get(item);
    g.items.delete(item);
    g.items.set(item, ts);
    if (seen !== undefined && ts - seen <= MEMORY_MS) return;
    this.touched.add(g);
    if (g.items.size > MAX_ITEMS_PER_GROUP) g.items.delete(g.items.keys().next().value!);
    // flow starts within a window are not sorted; keep the arrivals ascending
    const a = g.arrivals;
    let i = a.length;
    while (i > g.head && a[i - 1]! > ts) i--;
    a.splice(i, 0, ts);
  }
}

function forget(g: Group, now: number): void {
  const a = g.arrivals;
  while (g.head < a.length && a[g.head]! < now - MEMORY_MS) g.head++;
  if (a.length - g.head > MAX_ITEMS_PER_GROUP) g.head = a.length - MAX_ITEMS_PER_GROUP;
  if (g.head > 1024 && g.head * 2 > a.length) {
    g.arrivals = a.slice(g.head);
    g.head = 0;
  }
  for (const [item, at] of g.items) {
    if (now - at <= MEMORY_MS) break;
    g.items.delete(item);
  }
}

function countSince(g: Group, from: number): number {
  const a = g.arrivals;
  let lo = g.head;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return a.length - lo;
}
