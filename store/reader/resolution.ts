// The stored resolutions (1 s windows, 1 min and 1 h roll-ups) and the one rule for `auto`:
// the finest resolution whose points over the range stay drawable. The server's API uses this
// rule too (through server/ports.ts), so the reader and the API always agree.

export type Resolution = '1s' | '1m' | '1h';
export type ResolutionChoice = Resolution | 'auto';

export const RESOLUTIONS: readonly Resolution[] = ['1s', '1m', '1h'];
export const RESOLUTION_MS: Readonly<Record<Resolution, number>> = { '1s': 1_000, '1m': 60_000, '1h': 3_600_000 };

/** '1s' up to 6 h, '1m' up to 14 days, '1h' beyond. */
export function autoResolution(from: number, to: number): Resolution {
  const span = to - from;
  if (span <= 6 * 3_600_000) return '1s';
  if (span <= 14 * 86_400_000) return '1m';
  return '1h';
}
