// Short text forms of an anomaly and an incident for lists and headings (always used as text,
// never as markup). The feed, the card and the CSV export all take their numbers from here, so
// they say the same thing.
import { formatDuration, formatRange, formatValue } from './format.ts';
import type { Anomaly, SeverityLevel } from './types.ts';
import type { Incident } from './apiShapes.ts';

const LEVEL_GLYPH: Record<SeverityLevel, string> = { info: '●', low: '■', medium: '◆', high: '▲', critical: '★' };

export function levelLabel(level: SeverityLevel): string {
  return `${LEVEL_GLYPH[level]} ${level}`;
}

export function subjectText(a: Anomaly): string {
  const s = a.subject;
  const parts: string[] = [];
  if (s.localHost) parts.push(s.localHost);
  if (s.remote) parts.push(`→ ${s.remote}${s.port ? `:${s.port}` : ''}`);
  else if (s.port) parts.push(`port ${s.port}`);
  if (s.domain) parts.push(`(${s.domain})`);
  return parts.length ? parts.join(' ') : a.sensor;
}

/**
 * The detector's sentence with long durations in min/h ("silent for 3799 s" → "silent for 1 h 3 min").
 * Only "<number> s" of a minute or more is rewritten: every other word stays the detector's.
 */
export function summaryText(a: Pick<Anomaly, 'summary'>): string {
  return a.summary.replace(/\b(\d{2,})(?:\.\d+)? s\b/g, (whole, n: string) => (Number(n) >= 60 ? formatDuration(Number(n)) : whole));
}

/** "4.1 MB/min, expected at most 2.1 kB/min" — the headline number against its expected range. */
export function observedVsExpected(a: Anomaly): string {
  const u = a.observed.unit;
  return `${formatValue(a.observed.value, u)}, expected ${formatRange(a.expected.low, a.expected.high, u)}`;
}

/** The hosts and remotes of an incident: "10.0.0.106, 10.0.0.10 → 198.51.100.166". */
export function incidentSubject(i: Incident): string {
  const hosts = i.hosts.join(', ');
  const remotes = i.remotes.filter((r) => !i.hosts.includes(r)).join(', ');
  const domains = i.domains.length ? ` (${i.domains.join(', ')})` : '';
  if (!hosts && !remotes) return `${subjectText(i.headline)}${domains}`;
  return `${hosts}${remotes ? `${hosts ? ' ' : ''}→ ${remotes}` : ''}${domains}`;
}

