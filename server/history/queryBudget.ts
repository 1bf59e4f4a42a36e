// The cost budget of a history query: the range divided by the resolution is the number of
// points (windows per sensor) the store must read and the server must hold. Beyond the budget the
// API answers 400 with the limit and the coarser resolution that fits, before reading anything —
// so `from=0` at 1 s is refused at once instead of stepping hour by hour from 1970.
// The budget and `auto` are the store's (store/reader/resolution.ts): `auto` never exceeds it
// below 11.4 years.
import { MAX_QUERY_POINTS, RESOLUTION_MS, resolveResolution, type ResolutionChoice } from '../ports.ts';

const CONCRETE = ['1s', '1m', '1h'] as const;

function describeSpan(ms: number): string {
  if (ms >= 365 * 86_400_000) return `${(ms / (365 * 86_400_000)).toFixed(1)} years`;
  if (ms >= 2 * 86_400_000) return `${(ms / 86_400_000).toFixed(1)} days`;
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${Math.round(ms / 1000)} s`;
}

/** null when the query fits; otherwise what to say in the 400. */
export function overBudget(from: number, to: number, resolution: ResolutionChoice, maxPoints = MAX_QUERY_POINTS): string | null {
  const concrete = resolveResolution(resolution, from, to);
  const points = Math.ceil(Math.max(0, to - from) / RESOLUTION_MS[concrete]);
  if (points <= maxPoints) return null;
  const fits = CONCRETE.find((r) => Math.ceil((to - from) / RESOLUTION_MS[r]) <= maxPoints);
  const advice = fits
    ? `use resolution=${fits}, or narrow the range to at most ${describeSpan(maxPoints * RESOLUTION_MS[concrete])}`
    : `narrow the range to at most ${describeSpan(maxPoints * RESOLUTION_MS['1h'])} (at resolution=1h)`;
  return `the range ${describeSpan(to - from)} at resolution ${concrete} is ${points} points per sensor; a query may cover at most ${maxPoints}: ${advice}`;
}
