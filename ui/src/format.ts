// Number, rate and time formatting for labels and tables.

/** SI multiples, spelled as the model's summaries spell them (model/detectors/finding.ts) */
const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

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

/** "45 s", "14 min 25 s", "1 h 3 min", "2 d 4 h": two units at most, the larger first. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "1 match", "3 matches", "1 host": a count with its noun in the right number. */
export function formatCounted(n: number, singular: string, plural = `${singular}${/(s|x|ch|sh)$/.test(singular) ? 'es' : 's'}`): string {
  return `${formatCount(n)} ${n === 1 ? singular : plural}`;
}

/** Units a detector reports, read as one system: bytes in SI multiples, time in s/min/h, shares in %. */
const BYTE_RATE = /^(bytes|B)\/(s|min|h)$/;

/** A value in the unit the model reported it in, in human units. */
export function formatValue(value: number, unit: string): string {
  if (unit === 'bytes' || unit === 'B') return formatBytes(value);
  const rate = BYTE_RATE.exec(unit);
  if (rate) return `${formatBytes(value)}/${rate[2]}`;
  if (unit === 's' || unit === 'seconds') return formatDuration(value);
  if (unit === 'ms') return formatDuration(value / 1000);
  if (unit === 'share' || unit.startsWith('share of')) return `${formatPercent(value)}${unit === 'share' ? '' : unit.slice(5)}`;
  if (unit === 'coefficient of variation') return `${formatPercent(value)} jitter`;
  if (unit === 'matches') return formatCounted(value, 'match');
  if (!unit) return formatCount(value);
  // "1 host", "1 name in 30 s": a plural noun leading the unit takes the singular for one
  return `${formatCount(value)} ${value === 1 ? unit.replace(/^([a-z]{3,})s\b/, '$1') : unit}`;
}

/** An expected range in the same units, the unit said once where it can be: "0–2.1 kB/min", "none", "at most 5 names in 30 s". */
export function formatRange(low: number, high: number, unit: string): string {
  if (low === high) return low === 0 ? 'none' : formatValue(low, unit);
  if (low === 0 && unit !== 'coefficient of variation') return `at most ${formatValue(high, unit)}`;
  if (unit === 'coefficient of variation') return `${formatPercent(low)}–${formatPercent(high)} jitter`;
  if (isPlainUnit(unit)) return `${formatCount(low)}–${formatCount(high)} ${unit}`;
  return `${formatValue(low, unit)} – ${formatValue(high, unit)}`;
}

/** a unit formatValue only appends to the number (no scaling of its own), so a range can say it once */
function isPlainUnit(unit: string): boolean {
  return unit !== '' && formatValue(2, unit) === `2 ${unit}`;
}

/** A model metric by its name: times as times, durations in s/min/h, the rest as numbers. */
export function formatMetric(name: string, value: number): string {
  if (/(Start|End|At|Time)$/.test(name) && value > 1e11) return formatTime(value);
  if (/Ms$/.test(name)) return formatDuration(value / 1000);
  return formatCount(value);
}

/** The difference of a metric between two versions, in the metric's own units. */
export function formatMetricDelta(name: string, delta: number): string {
  const sign = delta >= 0 ? '+' : '-';
  if (/(Start|End|At|Time)$/.test(name) && Math.abs(delta) > 1000) return `${sign}${formatDuration(Math.abs(delta) / 1000)}`;
  if (/Ms$/.test(name)) return `${sign}${formatDuration(Math.abs(delta) / 1000)}`;
  return `${sign}${formatCount(Math.abs(delta))}`;
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
  if (!Number.isFinite(share)) return '–';
  return `${(share * 100).toFixed(share < 0.1 && share > 0 ? 1 : 0)}%`;
}

/** `YYYY-MM-DDTHH:MM` in UTC, for datetime-local inputs that show event time. */
export function toInputTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

/** Parses a datetime-local value as UTC; undefined when empty or invalid. */
export function fromInputTime(value: string): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}
