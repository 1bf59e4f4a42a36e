// Replay speed for file sources: as fast as possible, or paced on packet timestamps.

export type Speed = 'max' | 'realtime' | number; // number = multiplier of real time

export function parseSpeed(text: string): Speed {
  const t = text.trim().toLowerCase();
  if (t === 'max' || t === 'realtime') return t;
  const m = /^(\d+(?:\.\d+)?|\.\d+)x?$/.exec(t);
  const n = m === null ? NaN : Number(m[1]);
  if (!Number.isFinite(n) || n <= 0) {
    throw new Error(`invalid speed '${text}': use max, realtime, or a multiplier of real time such as 10 or 10x (must be > 0)`);
  }
  return n;
}

/** The multiplier a speed stands for, or null for `max`. */
export function speedMultiplier(speed: Speed): number | null {
  if (speed === 'max') return null;
  if (speed === 'realtime') return 1;
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new Error(`invalid speed ${speed}: a multiplier must be a finite number > 0`);
  }
  return speed;
}

/** Maps packet time to wall time: the first packet goes at once, the rest keep their spacing / multiplier. */
export class Pacer {
  private startWallMs = -1;
  private startPacketMs = 0;

  constructor(private readonly multiplier: number) {}

  /** Milliseconds to wait before delivering a packet with this timestamp (≤ 0: deliver now). */
  delayMs(tsSec: number, tsNsec: number): number {
    const packetMs = tsSec * 1000 + tsNsec / 1e6;
    const now = performance.now();
    if (this.startWallMs < 0) {
      this.startWallMs = now;
      this.startPacketMs = packetMs;
      return 0;
    }
    return this.startWallMs + (packetMs - this.startPacketMs) / this.multiplier - now;
  }
}
