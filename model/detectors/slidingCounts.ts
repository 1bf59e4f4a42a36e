// Shared rule of the detectors that count new items over nested horizons (scans, DNS names).

/**
 * Whether the count over horizon `h` is still being fed: the next shorter horizon holds at least
 * half its share of it. A burst that ended half an hour ago keeps the hour's count high; one new
 * item after it must not read as the same pattern again.
 */
export function sustained(counts: readonly number[], horizonsMs: readonly number[], h: number): boolean {
  if (h === 0) return true;
  return 2 * counts[h - 1]! * horizonsMs[h]! >= counts[h]! * horizonsMs[h - 1]!;
}
