// Number, rate and time formatting for labels and tables.

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1000 && u < BYTE_UNITS.length - 1) { v /= 1000; u++; }
  const s = v >= 100 || u === 0 ? v.toFixed(0) : v.toFixed(1);
  return `${n < 0 ? '-' : ''}${s} ${BYTE_UNITS[u]}`;
}

export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(a < 10 ? 2 : 1);
}

/** A value in the unit the model reported it in. */
export function formatValue(value: number, unit: string): string {
  if (unit === 'bytes' || unit === 'B') return formatBytes(value);
  if (unit === 'bytes/s' || unit === 'B/s') return `${formatBytes(value)}/s`;
  return unit ? `${formatCount(value)} ${unit}` : formatCount(value);
}

/** "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatAge(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}Z`;
}

export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
}
