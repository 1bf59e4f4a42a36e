// Short text forms of an anomaly for lists and headings (always used as text, never as markup).
import { formatValue } from './format.ts';
import type { Anomaly, SeverityLevel } from './types.ts';

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

export function observedVsExpected(a: Anomaly): string {
  const u = a.observed.unit;
  return `${formatValue(a.observed.value, u)} vs ${formatValue(a.expected.low, u)}–${formatValue(a.expected.high, u)}`;
}

export interface FeedFilter { level: string; kind: string; status: string; sensor: string }

export function matchesFilter(a: Anomaly, f: FeedFilter): boolean {
  return (!f.level || a.level === f.level) && (!f.kind || a.kind === f.kind)
    && (!f.status || a.status === f.status) && (!f.sensor || a.sensor === f.sensor);
}
