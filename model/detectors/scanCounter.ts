// Sliding counts for scan detection: per (initiator → target) the distinct ports it opened flows
// to (vertical), per (initiator, port) the distinct targets (horizontal). An item counts when it
// is new to its group — not touched in the last hour — and the counts are the new items within
// 10 s, 5 min and 1 h (a horizon shorter than the window is the window): a fast sweep fills the short horizon, one new host a second fills the
// five-minute one, a patient scan the hour.
import type { FlowStart, WindowStats } from '../../capture/index.ts';
import { NewItemCounter, type NewItems } from './slidingCounts.ts';

export const SCAN_HORIZONS_MS = [10_000, 300_000, 3_600_000] as const;
export const SCAN_HORIZON_LABELS = ['10 s', '5 min', '1 h'] as const;
/** items remembered per group; beyond it the oldest are forgotten (counts stay far above any limit) */
const MAX_ITEMS_PER_GROUP = 4_096;
const MAX_GROUPS = 100_000;
const VERTICAL = 0;
const HORIZONTAL = 2;

export type ScanType = 'vertical' | 'horizontal';

interface Group extends NewItems<number | string> {
  type: ScanType;
  initiator: string;
  local: boolean;
  /** vertical: the scanned host */
  target: string;
  /** horizontal: the scanned port (0 for ICMP) */
  port: number;
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
  private readonly counter = new NewItemCounter<number | string, Group>({ spaces: 4, horizonsMs: SCAN_HORIZONS_MS, maxItemsPerGroup: MAX_ITEMS_PER_GROUP, maxGroups: MAX_GROUPS });

  /** Adds the window's flow starts; returns the groups that gained a new item in it (a count can only have grown there). */
  add(w: WindowStats): ScanCandidate[] {
    this.counter.begin();
    for (const f of w.flowStarts) {
      if (f.direction === 'other') continue;
      const inbound = f.direction === 'inbound';
      const initiator = inbound ? f.remote : f.local;
      const target = inbound ? f.local : f.remote;
      const port = f.proto === 'tcp' || f.proto === 'udp' ? f.port : 0;
      // key spaces: vertical by (initiator, target), horizontal by (initiator, port); each for local and remote initiators
      const side = inbound ? 1 : 0;
      if (port > 0) this.touch(VERTICAL + side, initiator, target, 'vertical', f, port, f.ts);
      this.touch(HORIZONTAL + side, initiator, f.proto === 'icmp' ? 0 : port, 'horizontal', f, target, f.ts);
    }
    const now = w.start + w.durationMs;
    const out: ScanCandidate[] = [];
    for (const g of this.counter.end(now)) {
      const counts = this.counter.counts(g, now, w.durationMs);
      out.push(g.type === 'vertical'
        ? { type: g.type, initiator: g.initiator, initiatorIsLocal: g.local, target: g.target, counts, group: g }
        : { type: g.type, initiator: g.initiator, initiatorIsLocal: g.local, port: g.port, counts, group: g });
    }
    return out;
  }

  /** The group's most recently touched items, newest first (targets or ports for the evidence). */
  static recentItems(c: ScanCandidate, n: number): Array<number | string> {
    return NewItemCounter.recentItems(c.group as Group, n);
  }

  private touch(space: number, outer: string, inner: string | number, type: ScanType, f: FlowStart, item: number | string, ts: number): void {
    let g = this.counter.use(space, outer, inner);
    if (!g) {
      const inbound = f.direction === 'inbound';
      // written out rather than spread from emptyItems(): most flows open a group, and a spread copy costs more than the rest
      g = this.counter.add(space, outer, inner, {
        type, initiator: inbound ? f.remote : f.local, local: !inbound, target: inbound ? f.local : f.remote,
        port: f.proto === 'icmp' ? 0 : f.port,
        items: null, only: undefined, onlyAt: 0, arrivals: [], head: 0, space: 0, outer: '', inner: 0, slot: -1,
      });
    }
    this.counter.touch(g, item, ts);
  }
}
