// Which stored resolution to ask the server for, so a zoomed range returns a drawable number of
// points: the store keeps 1 s windows and 1 min / 1 h roll-ups, and one request returns at most
// 10 000 windows.

import type { Resolution } from './types.ts';

export type { Resolution };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function resolutionFor(fromMs: number, toMs: number): Resolution {
  const span = toMs - fromMs;
  if (span < HOUR) return '1s';
  if (span < 3 * DAY) return '1m';
  return '1h';
}

/** Most windows one request asks for (the server's cap). */
export const MAX_WINDOWS_PER_REQUEST = 10_000;
