// How what the detectors learn between retrains fades: maxima raised online decay back towards
// the trained ones with a half-life; things seen online (addresses, services, networks) are
// forgotten when they have not been seen for a while. State is bounded; the oldest goes first.

const DAY_MS = 86_400_000;
/** an online-raised maximum halves every week without being reached again */
export const ONLINE_HALF_LIFE_MS = 7 * DAY_MS;
/** something learned online and not seen for two weeks is forgotten */
export const ONLINE_TTL_MS = 14 * DAY_MS;

/** Per-key maxima (one per horizon) that decay with ONLINE_HALF_LIFE_MS. */
export class DecayingMaxima {
  private readonly entries = new Map<string, { values: number[]; at: number }>();

  constructor(private readonly cap: number) {}

  raise(key: string, values: readonly number[], now: number): void {
    const e = this.entries.get(key);
    const current = e ? decayed(e.values, now - e.at) : null;
    this.entries.delete(key);
    this.entries.set(key, { values: values.map((v, i) => Math.max(v, current?.[i] ?? 0)), at: now });
    while (this.entries.size > this.cap) this.entries.delete(this.entries.keys().next().value!);
  }

  get(key: string, now: number): number[] | undefined {
    const e = this.entries.get(key);
    return e ? decayed(e.values, now - e.at) : undefined;
  }
}

function decayed(values: readonly number[], ageMs: number): number[] {
  const f = 0.5 ** (Math.max(0, ageMs) / ONLINE_HALF_LIFE_MS);
  return values.map((v) => v * f);
}

/** Keys seen online, each with when it was last seen; a key unseen for ONLINE_TTL_MS no longer counts. */
export class RecentlySeen {
  private readonly seen = new Map<string, number>();

  constructor(private readonly cap: number) {}

  see(key: string, now: number): void {
    this.seen.delete(key);
    this.seen.set(key, now);
    while (this.seen.size > this.cap) this.seen.delete(this.seen.keys().next().value!);
  }

  has(key: string, now: number): boolean {
    const at = this.seen.get(key);
    return at !== undefined && now - at <= ONLINE_TTL_MS;
  }
}
