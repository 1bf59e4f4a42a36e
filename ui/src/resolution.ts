// Which stored resolution to ask the server for, so a zoomed range returns a drawable number of
// points (the server keeps 1 s windows and 10 s / 60 s roll-ups, and returns at most 10 000).

export type Resolution = '1s' | '10s' | '60s';

const HOUR = 3_600_000;

export function resolutionFor(fromMs: number, toMs: number): Resolution {
  const span = toMs - fromMs;
  if (span < HOUR) return '1s';
  if (span < 10 * HOUR) return '10s';
  return '60s';
}

/** Most windows one request asks for (the server's cap). */
export const MAX_WINDOWS_PER_REQUEST = 10_000;
