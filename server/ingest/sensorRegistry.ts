// The sensors this server has heard from, and their latest capture health.
import type { WindowStats } from '../../capture/index.ts';
import type { SensorHealth } from '../protocol.ts';

export class SensorRegistry {
  private readonly sensors = new Map<string, SensorHealth>();

  noteWindow(w: WindowStats, now = Date.now()): SensorHealth {
    const prev = this.sensors.get(w.sensor);
    const packets = w.directions.outbound.packets + w.directions.inbound.packets
      + w.directions.internal.packets + w.directions.other.packets;
    const health: SensorHealth = {
      sensor: w.sensor,
      lastSeen: now,
      packetsPerSecond: w.durationMs > 0 ? packets / (w.durationMs / 1000) : 0,
      health: w.health,
      storeBacklog: prev?.storeBacklog ?? 0,
      modelVersion: prev?.modelVersion ?? null,
    };
    this.sensors.set(w.sensor, health);
    return health;
  }

  noteHealth(h: SensorHealth): void {
    this.sensors.set(h.sensor, { ...h, lastSeen: Date.now() });
  }

  noteModel(sensor: string, version: string): void {
    const s = this.sensors.get(sensor);
    if (s) s.modelVersion = version;
  }

  list(): SensorHealth[] {
    return [...this.sensors.values()];
  }
}
