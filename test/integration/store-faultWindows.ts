// Small windows for the store's fault tests: window i of a run starting at `start`, reduced to
// its traffic and capture-health points (3 per window) to keep 20 k windows quick to write.
import { emptyWindowStats } from '../../capture/index.ts';
import { windowStatsToPoints, type StorePoint } from '../../store/index.ts';

export const FAULT_SENSOR = 'fault';

export function faultPoints(start: number, i: number): StorePoint[] {
  const w = emptyWindowStats(FAULT_SENSOR, start + i * 1000, 1000);
  w.directions.outbound.packets = (i % 97) + 1;
  w.directions.outbound.bytes = ((i % 97) + 1) * 100;
  w.directions.inbound.packets = (i % 13) + 2;
  w.health.packetsSeen = (i % 97) + (i % 13) + 3;
  return windowStatsToPoints(w).filter((p) =>
    p.measurement === 'capture_health' || (p.measurement === 'traffic' && (p.tags.direction === 'outbound' || p.tags.direction === 'inbound')));
}

export function expectedSums(from: number, count: number): { outbound: number; inbound: number } {
  let outbound = 0;
  let inbound = 0;
  for (let i = from; i < from + count; i++) {
    outbound += (i % 97) + 1;
    inbound += (i % 13) + 2;
  }
  return { outbound, inbound };
}
