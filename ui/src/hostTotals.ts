// Top talkers from the recent live windows: each window's top-K local hosts summed per host.
import type { TopHost } from './apiShapes.ts';
import type { WindowStats } from './types.ts';

export function topTalkers(windows: readonly WindowStats[], sinceMs: number, limit = 15): TopHost[] {
  const totals = new Map<string, TopHost>();
  for (const w of windows) {
    if (w.start < sinceMs) continue;
    for (const h of w.topLocalHosts) {
      const t = totals.get(h.host) ?? { host: h.host, bytesOut: 0, bytesIn: 0, flows: 0, peers: 0 };
      t.bytesOut += h.bytesOut;
      t.bytesIn += h.bytesIn;
      t.flows = Math.max(t.flows, h.flows);
      t.peers = Math.max(t.peers, h.peers);
      totals.set(h.host, t);
    }
  }
  return [...totals.values()].sort((a, b) => b.bytesOut + b.bytesIn - (a.bytesOut + a.bytesIn)).slice(0, limit);
}
