// CSV export of what a list shows. Cells are always quoted; text that a spreadsheet would run as a
// formula (= + - @ at the start, as a DNS name from packets could be) is prefixed with a quote.
import { observedVsExpected, summaryText } from './anomalyText.ts';
import type { Incident } from './apiShapes.ts';

export function csvCell(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export const INCIDENT_CSV_HEADER = [
  'incident', 'level', 'severity', 'start', 'end', 'kinds', 'hosts', 'remotes', 'domains', 'observed', 'findings', 'status', 'assignee', 'summary',
] as const;

export function incidentCsvRow(i: Incident): (string | number)[] {
  return [
    i.id, i.level, i.severity, new Date(i.start).toISOString(), new Date(i.end).toISOString(), i.kinds.join(' '),
    i.hosts.join(' '), i.remotes.join(' '), i.domains.join(' '), observedVsExpected(i.headline), i.findings, i.status,
    i.assignee ?? '', summaryText(i.headline),
  ];
}
