// The sensors this server has heard from, and their latest capture health. Bounded by
// construction: at most `maxSensors` names are tracked, and a sensor unseen for `expireAfterMs`
// is forgotten here and in every other per-sensor map (listeners registered with onForget).
import type { WindowStats } from '../../capture/index.ts';
import type { SensorHealth } from '../protocol.ts';

export interface SensorLimits {
  /** sensors tracked at once; records of further sensors are refused (default 256) */
  maxSensors: number;
  /** a sensor unseen this long is forgotten (default one day) */
  expireAfterMs: number;
}

export const DEFAULT_SENSOR_LIMITS: SensorLimits = { maxSensors: 256, expireAfterMs: 86_400_000 };

export class SensorRegistry {
  private readonly sensors = new Map<string, SensorHealth>();
  private readonly forgetListeners: ((sensor: string) => void)[] = [];
  readonly limits: SensorLimits;

  constructor(limits: Partial<SensorLimits> = {}) {
    this.limits = {
      maxSensors: limits.maxSensors ?? DEFAULT_SENSOR_LIMITS.maxSensors,
      expireAfterMs: limits.expireAfterMs ?? DEFAULT_SENSOR_LIMITS.expireAfterMs,
    };
  }

  /** Called with each sensor name that is forgotten, so other per-sensor state can follow. */
  onForget(listener: (sensor: string) => void): void {
    this.forgetListeners.push(listener);
  }

  /** True when records of `sensor` may be taken: it is known, or there is room for one more. */
  admits(sensor: string, now = Date.now()): boolean {
    if (this.sensors.has(sensor)) return true;
    if (this.sensors.size < this.limits.maxSensors) return true;
    this.expire(now);
    return this.sensors.size < this.limits.maxSensors;
  }

  /** Forgets every sensor unseen for expireAfterMs; returns how many. */
  expire(now = Date.now()): number {
    let n = 0;
    for (const [name, s] of this.sensors) {
      if (now - s.lastSeen < this.limits.expireAfterMs) continue;
      this.sensors.delete(name);
      for (const l of this.forgetListeners) l(name);
      n++;
    }
    return n;
  }

  /** Notes a window of an admitted sensor (see admits). */
  noteWindow(w: WindowStats, now = Date.now()): SensorHealth {
    const prev = this.sensors.get(w.sensor);
    let packets = 0;
    for (const d of Object.values(w.directions)) packets += d.packets;
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

  noteHealth(h: SensorHealth, now = Date.now()): void {
    this.sensors.set(h.sensor, { ...h, lastSeen: now });
  }

  noteModel(sensor: string, version: string): void {
    const s = this.sensors.get(sensor);
    if (s) s.modelVersion = version;
  }

  get size(): number {
    return this.sensors.size;
  }

  list(): SensorHealth[] {
    return [...this.sensors.values()];
  }
}
