// Packet timestamps as text without losing the nanoseconds a Date cannot hold.

/** ISO-8601 UTC with nine fractional digits, e.g. 2024-05-01T12:00:00.123456789Z. */
export function timestampIso(sec: number, nsec: number): string {
  const base = new Date(sec * 1000).toISOString();
  return `${base.slice(0, base.length - 5)}.${String(nsec).padStart(9, '0')}Z`;
}
