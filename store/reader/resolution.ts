// The stored resolutions (1 s windows, 1 min and 1 h roll-ups), the cost budget of one history
// read, and the one rule for `auto`: the finest resolution whose points over the range fit the
// budget. The server's API uses the same rule and budget (through server/ports.ts), so the reader
// and the API always agree.

export type Resolution = '1s' | '1m' | '1h';
export type ResolutionChoice = Resolution | 'auto';

export const RESOLUTIONS: readonly Resolution[] = ['1s', '1m', '1h'];
export const RESOLUTION_MS: Readonly<Record<Resolution, number>> = { '1s': 1_000, '1m': 60_000, '1h': 3_600_000 };

/** points (windows per sensor) one read may cover: 27.7 h at 1 s, 69 days at 1 min, 11.4 years at 1 h */
export const MAX_QUERY_POINTS = 100_000;

/** The finest resolution with at most MAX_QUERY_POINTS points over [from, to): 1s up to 27.7 h, 1m up to 69 days, else 1h. */
export function autoResolution(from: number, to: number): Resolution {
  const span = Math.max(0, to - from);
  return RESOLUTIONS.find((r) => Math.ceil(span / RESOLUTION_MS[r]) <= MAX_QUERY_POINTS) ?? '1h';
}
