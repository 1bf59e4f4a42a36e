// #/incident/ID and #/anomaly/ID: an incident's card — its findings, related incidents, links to
// the hosts, the case file and the packets — and the evidence of one finding (the most severe by
// default): observed vs expected over the surrounding hour, contributing features, the local host's
// timeline, scan targets, flows, top remote endpoints, model and maturity, the analyst actions
// (on the incident) and its audit history, kept current from the stream.
import { select as d3select } from 'd3-selection';
import { barChart } from '../charts/barChart.ts';
import { timeChart, type SeriesLine } from '../charts/timeChart.ts';
import type { AppContext, View } from '../context.ts';
import { append, button, clear, el } from '../dom.ts';
import { formatBytes, formatCount, formatDuration, formatPercent, formatRange, formatTime, formatValue } from '../format.ts';
import { putAnomaly } from '../liveState.ts';
import { DIRECTION_COLOUR } from '../palette.ts';
import { incidentSubject, levelLabel, observedVsExpected, subjectText, summaryText } from '../anomalyText.ts';
import { routeHash } from '../router.ts';
import { observedSeries } from '../series.ts';
import type { Evidence, FlowRow, Incident, IncidentDetail } from '../apiShapes.ts';
import type { AnalystAction, Anomaly, AuditEntry, WindowStats } from '../types.ts';
import { actionsFor } from '../vocabulary.ts';
import { mountActions } from './actionsPanel.ts';
import { mountRuleProposal } from './ruleProposal.ts';

const HALF_HOUR = 30 * 60_000;

function kv(label: string, value: string, id?: string): HTMLElement {
  return el('div', { class: 'kv' }, el('dt', {}, label), el('dd', id ? { attrs: { id } } : {}, value));
}

function windowAt(windows: WindowStats[], t: number): WindowStats | undefined {
  return windows.find((w) => w.start <= t && t < w.start + w.durationMs) ?? windows[0];
}

function observedChart(box: HTMLElement, a: Anomaly, windows: WindowStats[], width: number): void {
  const series = observedSeries(a, windows);
  const points = series.points.length ? series.points : [{ t: a.peakAt, v: a.observed.value }];
  if (series.points.length === 0) box.append(el('p', { class: 'muted' }, `No stored windows around the peak carry ${series.label}; showing the finding's own value.`));
  else if (!series.exact) box.append(el('p', { class: 'muted' }, `The line is ${series.label}, rebuilt from the stored windows.`));
  const withBand = series.exact || series.bandApplies === true;
  const svg = d3select(box).append('svg');
  const bytes = series.exact || withBand ? a.observed.unit.startsWith('byte') : /^bytes/.test(series.label);
  const fmt = bytes ? formatBytes : formatCount;
  timeChart(svg, {
    width, height: 220,
    lines: [{ key: 'observed', label: series.label, colour: DIRECTION_COLOUR.outbound, width: 2, points }],
    domain: [a.peakAt - HALF_HOUR, a.peakAt + HALF_HOUR],
    bands: withBand ? [{ from: a.peakAt - HALF_HOUR, to: a.peakAt + HALF_HOUR, low: a.expected.low, high: a.expected.high }] : [],
    markers: [{ id: a.id, t: a.peakAt, level: a.level, label: `${a.level} ${a.kind}` }],
    yLabel: withBand ? a.observed.unit || a.observed.feature : bytes ? 'bytes' : 'count', yFormat: fmt,
  });
  box.append(el('p', { class: 'legend' }, el('span', { class: 'key key-outbound' }, `observed: ${series.label}`), withBand ? el('span', { class: 'key key-band' }, 'expected range at this time') : null));
}

function dnsTable(w: WindowStats | undefined): HTMLElement {
  if (!w || w.dns.names.length === 0) return el('p', { class: 'muted' }, 'No DNS queries in this window.');
  const body = el('tbody');
  for (const n of w.dns.names.slice(0, 15)) {
    body.append(el('tr', {}, el('td', { class: 'dns-name' }, n.name), el('td', {}, n.client),
      el('td', { class: 'num' }, String(n.queries)), el('td', { class: 'num' }, String(n.nxdomain))));
  }
  return el('table', { class: 'grid', attrs: { 'aria-label': 'DNS names queried' } },
    el('thead', {}, el('tr', {}, ...['Name', 'Client', 'Queries', 'NXDOMAIN'].map((h) => el('th', { attrs: { scope: 'col' } }, h)))), body);
}

function hostTimelineChart(box: HTMLElement, ctx: AppContext, a: Anomaly, windows: WindowStats[], width: number): void {
  const host = a.subject.localHost;
  if (!host) { box.append(el('p', { class: 'muted' }, 'No single local host stands out in this anomaly.')); return; }
  const svg = d3select(box).append('svg');
  const draw = (points: { t: number; out: number; in: number }[]): void => {
    timeChart(svg, {
      width, height: 180, domain: [a.peakAt - HALF_HOUR, a.peakAt + HALF_HOUR],
      lines: [
        { key: 'out', label: 'bytes out', colour: DIRECTION_COLOUR.outbound, width: 2, points: points.map((p) => ({ t: p.t, v: p.out })) },
        { key: 'in', label: 'bytes in', colour: DIRECTION_COLOUR.inbound, width: 1.25, points: points.map((p) => ({ t: p.t, v: p.in })) },
      ],
      bands: [], markers: [{ id: a.id, t: a.peakAt, level: a.level, label: a.kind }],
      yLabel: 'bytes/s', yFormat: formatBytes,
    });
  };
  // per second: the store answers with windows where the host was in the top-K and minutes where it was not
  const rate = (bytes: number, durationMs: number): number => bytes / (durationMs / 1000);
  const fromWindows = windows.flatMap((w) => w.topLocalHosts.filter((h) => h.host === host).map((h) => ({ t: w.start, out: rate(h.bytesOut, w.durationMs), in: rate(h.bytesIn, w.durationMs) })));
  draw(fromWindows);
  ctx.api.hostTimeline(host, a.peakAt - HALF_HOUR, a.peakAt + HALF_HOUR).then(
    (points) => { if (points.length) draw(points.map((p) => ({ t: p.t, out: rate(p.bytesOut, p.durationMs ?? 1000), in: rate(p.bytesIn, p.durationMs ?? 1000) }))); },
    () => undefined,
  );
}

/** Scan targets and ports: from the finding when it carries them, else from the flows the scanner started in the stored windows. */
function scanTargets(a: Anomaly, windows: WindowStats[]): HTMLElement {
  const carried = a as unknown as { targets?: unknown; ports?: unknown; evidence?: { targets?: unknown; ports?: unknown } };
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String) : []);
  let targets = list(carried.targets ?? carried.evidence?.targets);
  let ports = list(carried.ports ?? carried.evidence?.ports);
  let source = 'as the finding reports them';
  if (!targets.length && !ports.length && a.subject.localHost) {
    const t = new Map<string, number>();
    const p = new Map<number, number>();
    for (const w of windows) {
      if (w.start + w.durationMs < a.start || w.start > a.end) continue;
      for (const f of w.flowStarts ?? []) {
        if (f.local !== a.subject.localHost) continue;
        t.set(f.remote, (t.get(f.remote) ?? 0) + 1);
        p.set(f.port, (p.get(f.port) ?? 0) + 1);
      }
    }
    targets = [...t.entries()].sort((x, y) => y[1] - x[1]).map(([k]) => k);
    ports = [...p.entries()].sort((x, y) => x[0] - y[0]).map(([k]) => String(k));
    source = 'from the flows it started in the stored windows';
  }
  if (!targets.length && !ports.length) return el('p', { class: 'muted' }, 'Neither the finding nor the stored windows list the targets or ports.');
  const shown = (xs: string[], n: number): string => `${xs.slice(0, n).join(', ')}${xs.length > n ? ` … (${xs.length} in all)` : ''}`;
  return el('dl', { class: 'facts' },
    kv(`Targets (${targets.length})`, targets.length ? shown(targets, 40) : '–', 'scan-targets'),
    kv(`Ports (${ports.length})`, ports.length ? shown(ports, 60) : '–', 'scan-ports'),
    kv('Source', source));
}

const FLOW_COLUMNS: [string, string][] = [
  ['proto', 'Proto'], ['localHost', 'Local'], ['localPort', 'L port'], ['remote', 'Remote'], ['remotePort', 'R port'], ['remoteName', 'Name'],
  ['bytesOut', 'Sent'], ['bytesIn', 'Received'], ['durationMs', 'Duration'], ['communityId', 'Community ID'],
];

/** The subject's flows in the peak window, when the server's evidence carries them. */
function flowsTable(flows: FlowRow[]): HTMLElement {
  const cols = FLOW_COLUMNS.filter(([k]) => flows.some((f) => f[k] !== undefined));
  const body = el('tbody');
  for (const f of flows.slice(0, 50)) {
    body.append(el('tr', {}, ...cols.map(([k]) => {
      const v = f[k];
      if (v === undefined) return el('td', {}, '–');
      if (typeof v === 'number' && (k === 'bytesOut' || k === 'bytesIn')) return el('td', { class: 'num' }, formatBytes(v));
      if (typeof v === 'number' && k === 'durationMs') return el('td', { class: 'num' }, formatDuration(v / 1000));
      return el('td', { class: typeof v === 'number' ? 'num' : '' }, String(v));
    })));
  }
  return el('div', { class: 'scroll' }, el('table', { class: 'grid', attrs: { 'aria-label': 'Flows of the subject' } },
    el('thead', {}, el('tr', {}, ...cols.map(([, h]) => el('th', { attrs: { scope: 'col' } }, h)))), body));
}

function remotesTable(w: WindowStats | undefined): HTMLElement {
  if (!w || w.topRemoteEndpoints.length === 0) return el('p', { class: 'muted' }, 'No remote endpoints recorded for this window.');
  const body = el('tbody');
  for (const r of w.topRemoteEndpoints.slice(0, 10)) {
    body.append(el('tr', {}, el('td', {}, r.host), el('td', { class: 'num' }, String(r.topPort)),
      el('td', { class: 'num' }, formatBytes(r.bytesOut)), el('td', { class: 'num' }, formatBytes(r.bytesIn)),
      el('td', { class: 'num' }, String(r.flows)), el('td', { class: 'num' }, String(r.localHosts))));
  }
  return el('table', { class: 'grid', attrs: { 'aria-label': 'Top remote endpoints' } },
    el('thead', {}, el('tr', {}, ...['Remote', 'Port', 'Sent', 'Received', 'Flows', 'Local hosts'].map((h) => el('th', { attrs: { scope: 'col' } }, h)))),
    body);
}

export function auditTable(entries: AuditEntry[]): HTMLElement {
  if (entries.length === 0) return el('p', { class: 'muted', attrs: { id: 'audit-empty' } }, 'No actions yet.');
  const body = el('tbody');
  for (const e of [...entries].sort((x, y) => y.seq - x.seq)) {
    const d = e.details ?? {};
    const change = typeof d.from === 'string' && typeof d.to === 'string' && d.from !== d.to ? `${d.from} → ${d.to}` : '';
    const detail = [change, d.note, d.assignee ? `assignee ${String(d.assignee)}` : ''].filter((v) => typeof v === 'string' && v).join(' · ');
    body.append(el('tr', { attrs: { 'data-action': e.action } },
      el('td', {}, formatTime(Date.parse(e.time))), el('td', {}, e.user), el('td', {}, e.action), el('td', {}, detail)));
  }
  return el('table', { class: 'grid audit', attrs: { 'aria-label': 'Audit history' } },
    el('thead', {}, el('tr', {}, ...['Time', 'User', 'Action', 'Details'].map((h) => el('th', { attrs: { scope: 'col' } }, h)))),
    body);
}

/** #/anomaly/ID: a finding the server holds, shown within its incident. */
export const evidenceView: View = (root, ctx, id) => mountEvidence(root, ctx, { findingId: id });

/** #/incident/ID?finding=ID: an incident, with the evidence of one of its findings (the most severe by default). */
export const incidentEvidenceView: View = (root, ctx, id, query) => mountEvidence(root, ctx, { incidentId: id, findingId: query.get('finding') ?? undefined });

/** #/replayed/CHANNEL/ID: an anomaly of a training replay, held only by this page. */
export const replayedEvidenceView: View = (root, ctx, param) => {
  const slash = param.indexOf('/');
  return mountEvidence(root, ctx, { findingId: param.slice(slash + 1), replayChannel: param.slice(0, slash) });
};

/** The packet capture of a finding, when the sensor kept one (evidence written around the alert). */
function hasPcap(a: Anomaly): boolean {
  const x = a as unknown as { pcap?: unknown; evidence?: { pcap?: unknown } | null };
  return Boolean(x.pcap ?? x.evidence?.pcap);
}

/** MITRE ATT&CK techniques the finding maps to, when the server attaches them. */
function attackText(a: Anomaly): string {
  const list = (a as unknown as { attack?: unknown }).attack;
  if (!Array.isArray(list)) return '';
  return list.filter((t): t is { id: string; name?: string } => !!t && typeof (t as { id?: unknown }).id === 'string')
    .map((t) => (typeof t.name === 'string' ? `${t.id} ${t.name}` : t.id)).join(' · ');
}

function findingsTable(detail: IncidentDetail, selected: string): HTMLElement {
  const body = el('tbody');
  for (const f of detail.findings) {
    const link = el('a', { attrs: { href: routeHash('incident', detail.incident.id, { finding: f.id }) } }, f.kind);
    if (f.id === selected) link.setAttribute('aria-current', 'true');
    body.append(el('tr', { attrs: { 'data-finding': f.id, class: f.id === selected ? 'selected' : '' } },
      el('td', {}, el('span', { class: `badge level-${f.level}` }, levelLabel(f.level))), el('td', { class: 'nowrap' }, link),
      el('td', { class: 'subject' }, subjectText(f)), el('td', {}, observedVsExpected(f)),
      el('td', { class: 'nowrap' }, formatTime(f.start).slice(11)), el('td', { class: 'num' }, formatDuration((f.end - f.start) / 1000))));
  }
  return el('div', { class: 'scroll' }, el('table', { class: 'grid', attrs: { 'aria-label': 'Findings in this incident' } },
    el('thead', {}, el('tr', {}, ...['Level', 'Kind', 'Subject', 'Observed', 'Start (UTC)', 'Lasted'].map((h) => el('th', { attrs: { scope: 'col' } }, h)))), body));
}

function relatedList(related: Incident[]): HTMLElement {
  if (related.length === 0) return el('p', { class: 'muted', attrs: { id: 'related-none' } }, 'No other incident involves these hosts within a day.');
  return el('ul', { class: 'plain', attrs: { 'aria-label': 'Related incidents' } }, ...related.map((i) => el('li', {},
    el('span', { class: `badge level-${i.level}` }, levelLabel(i.level)), ' ',
    el('a', { attrs: { href: routeHash('incident', i.id) } }, `${i.kinds.join(', ')} · ${incidentSubject(i)}`),
    ` · ${formatTime(i.start)} · ${i.status}`)));
}

interface Target { findingId?: string; incidentId?: string; replayChannel?: string }

function mountEvidence(root: HTMLElement, ctx: AppContext, target: Target): () => void {
  let alive = true;
  let id = target.findingId ?? '';
  let incidentId = target.incidentId;
  const replayChannel = target.replayChannel;
  const head = el('header', { class: 'evidence-head' });
  const auditBox = el('section', { class: 'card wide', attrs: { 'aria-label': 'Audit history' } });
  const statusNode = el('span', { attrs: { id: 'anomaly-status' } });
  const body = el('div', { class: 'evidence' }, el('p', { class: 'muted' }, 'Loading…'));
  root.append(head, body);

  function renderAudit(entries: AuditEntry[]): void {
    clear(auditBox);
    auditBox.append(el('h2', {}, 'Audit history'), auditTable(entries));
  }

  async function reloadAudit(): Promise<void> {
    const ev = await ctx.api.anomaly(id);
    if (!alive) return;
    statusNode.textContent = ev.anomaly.status;
    statusNode.className = `status-${ev.anomaly.status}`;
    renderAudit(ev.audit);
  }

  function render(ev: Evidence, windows: WindowStats[], detail: IncidentDetail | null): void {
    const a = ev.anomaly;
    const width = Math.max(320, Math.min(1300, root.clientWidth - 40));
    // one column below 900 px (app.css): the half-width charts take the whole width there
    const half = root.clientWidth < 900 ? width : Math.max(300, Math.min(640, Math.floor((root.clientWidth - 60) / 2)));
    clear(head);
    statusNode.textContent = a.status;
    statusNode.className = `status-${a.status}`;
    const inc = detail?.incident;
    const hosts = inc ? inc.hosts : a.subject.localHost ? [a.subject.localHost] : [];
    const canExport = !replayChannel && ctx.me.role !== 'viewer';
    const downloadStatus = el('span', { class: 'muted', attrs: { role: 'status', id: 'download-status' } });
    const download = (path: string, name: string, what: string): void => {
      downloadStatus.textContent = `${what}: downloading…`;
      // the export is audited: the history below shows it once saved
      ctx.api.download(path, name).then(() => { downloadStatus.textContent = `${what}: saved`; return reloadAudit(); })
        .catch((err: unknown) => { downloadStatus.textContent = err instanceof Error ? err.message : String(err); });
    };
    head.append(
      el('h1', {}, el('span', { class: `badge level-${inc?.level ?? a.level}` }, levelLabel(inc?.level ?? a.level)), ' ',
        inc ? inc.kinds.join(', ') : a.kind, ' · ', el('span', { class: 'subject' }, inc ? incidentSubject(inc) : subjectText(a))),
      el('p', { class: 'summary' }, summaryText(a)),
      el('p', {}, 'Status: ', statusNode, inc ? ` (incident ${inc.id}, ${inc.findings} finding${inc.findings === 1 ? '' : 's'})` : '',
        ` · sensor ${a.sensor} · ${formatTime(inc?.start ?? a.start)} – ${formatTime(inc?.end ?? a.end)}${(inc?.ongoing ?? a.ongoing) ? ' (ongoing)' : ''}`),
      el('p', { class: 'links' },
        ...hosts.flatMap((h) => [el('a', { attrs: { href: routeHash('host', h), 'data-host-link': h } }, `Host ${h}`), ' ']),
        canExport ? button('Download case', () => (inc
          ? download(`/incidents/${encodeURIComponent(inc.id)}/case`, `case-${inc.id}.json`, 'Case file')
          : download(`/anomalies/${encodeURIComponent(a.id)}/case`, `case-${a.id}.json`, 'Case file')), 'primary') : null, ' ',
        canExport && hasPcap(a) ? button('Download pcap', () => download(`/anomalies/${encodeURIComponent(a.id)}/pcap`, `evidence-${a.id}.pcap`, 'Pcap')) : null, ' ',
        downloadStatus),
    );
    clear(body);
    const remoteName = (a.subject as { remoteName?: unknown }).remoteName;
    const attack = attackText(a);
    const facts = el('dl', { class: 'facts' },
      kv('Finding', `${a.kind} · ${subjectText(a)}`),
      kv('Observed', formatValue(a.observed.value, a.observed.unit), 'observed-value'),
      kv('Expected', `${formatRange(a.expected.low, a.expected.high, a.observed.unit)} (median ${formatValue(a.expected.median, a.observed.unit)})`, 'expected-range'),
      kv('Feature', a.observed.feature),
      kv('Lasted', `${formatDuration((a.end - a.start) / 1000)} (${formatCount(a.windows)} window${a.windows === 1 ? '' : 's'}), peak ${formatTime(a.peakAt)}`),
      kv('Severity', `${a.severity} / 100 (score ${formatCount(a.score)})`),
      kv('Model version', a.modelVersion, 'model-version'),
      kv('Baseline maturity', formatPercent(a.maturity), 'maturity'),
      a.captureLoss ? kv('Capture loss', 'yes — severity was demoted') : null,
      a.subject.domain ? kv('Domain', a.subject.domain, 'subject-domain') : null,
      typeof remoteName === 'string' && remoteName ? kv('Remote name (DNS)', remoteName, 'remote-name') : null,
      attack ? kv('MITRE ATT&CK', attack, 'attack') : null,
      'assignee' in a && typeof a.assignee === 'string' ? kv('Assigned to', a.assignee) : null,
    );
    const incidentBox = detail ? el('section', { class: 'card wide', attrs: { 'aria-label': 'Incident' } },
      el('h2', {}, `Findings in this incident (${detail.findings.length})`), findingsTable(detail, a.id),
      el('h2', { class: 'sub' }, 'Related incidents'), relatedList(detail.related)) : null;
    const chartBox = el('section', { class: 'card wide', attrs: { 'aria-label': 'Observed versus expected' } }, el('h2', {}, 'Observed vs expected, surrounding hour'));
    const contribBox = el('section', { class: 'card', attrs: { 'aria-label': 'Contributing features' } }, el('h2', {}, 'Contributing features'));
    const hostBox = el('section', { class: 'card', attrs: { 'aria-label': 'Local host timeline' } }, el('h2', {}, `Local host timeline${a.subject.localHost ? `: ${a.subject.localHost}` : ''}`));
    const all = windows.length ? windows : ev.windows;
    const peak = windowAt(all, a.peakAt);
    const scanBox = a.kind === 'scan' ? el('section', { class: 'card', attrs: { 'aria-label': 'Scan targets and ports' } }, el('h2', {}, 'Targets and ports'), scanTargets(a, all)) : null;
    const flowBox = ev.flows.length ? el('section', { class: 'card wide', attrs: { 'aria-label': 'Flows' } }, el('h2', {}, 'Flows of the subject in the peak window'), flowsTable(ev.flows)) : null;
    const remoteBox = el('section', { class: 'card', attrs: { 'aria-label': 'Top remote endpoints' } }, el('h2', {}, 'Top remote endpoints in the peak window'), remotesTable(peak));
    const dnsBox = el('section', { class: 'card', attrs: { 'aria-label': 'DNS names' } }, el('h2', {}, 'DNS names in the peak window'), dnsTable(peak));
    const actionBox = el('section', { class: 'card', attrs: { 'aria-label': 'Actions' } }, el('h2', {}, inc ? 'Actions on the incident' : 'Actions'));
    append(body, el('section', { class: 'card', attrs: { 'aria-label': 'Facts' } }, facts), actionBox, incidentBox, chartBox, scanBox, flowBox, contribBox, hostBox, remoteBox, dnsBox, auditBox);
    observedChart(chartBox, a, all, width);
    const bars = [...a.contributions].sort((x, y) => y.share - x.share).map((c) => ({
      key: c.feature, label: c.feature, value: c.share,
      // the headline feature's own numbers read in its unit; other features' units are not in the record
      valueLabel: c.feature === a.observed.feature
        ? `${formatPercent(c.share)} (${formatValue(c.observed, a.observed.unit)}, expected ${formatValue(c.expected, a.observed.unit)})`
        : `${formatPercent(c.share)} (${formatCount(c.observed)}, expected ${formatCount(c.expected)})`,
    }));
    if (bars.length) barChart(d3select(contribBox).append('svg'), { width: half, bars, colour: DIRECTION_COLOUR.outbound });
    else contribBox.append(el('p', { class: 'muted' }, 'The model reported no per-feature contributions.'));
    hostTimelineChart(hostBox, ctx, a, all, half);
    const allowed = replayChannel ? [] : actionsFor(ctx.me.role);
    if (replayChannel) actionBox.append(el('p', { class: 'muted' }, `This anomaly comes from the training replay ${replayChannel}: nothing here is recorded.`));
    else if (allowed.length === 0) actionBox.append(el('p', { class: 'muted' }, `Your role (${ctx.me.role}) can view but not act.`));
    else mountActions(actionBox, allowed, (action: AnalystAction, note?: string, assignee?: string) =>
      ctx.api.act(id, action, note, assignee).then(() => reloadAudit()));
    if (allowed.includes('false-positive')) {
      const note = actionBox.querySelector<HTMLTextAreaElement>('#action-note');
      mountRuleProposal(actionBox, id, ctx.api, () => note?.value.trim() || undefined, () => reloadAudit());
    }
    renderAudit(ev.audit);
  }

  if (replayChannel) {
    ctx.markSeen(id);
    const data = ctx.state.channels.get(replayChannel);
    const held = data?.anomalies.get(id);
    if (data && held) render({ anomaly: held, windows: data.windows, audit: [], flows: [] }, data.windows, null);
    else body.replaceChildren(el('p', { class: 'error', attrs: { role: 'alert' } }, `This page no longer holds anomaly ${id} of ${replayChannel}; start the replay again.`));
    return () => { alive = false; };
  }

  async function load(): Promise<void> {
    let detail: IncidentDetail | null = null;
    if (incidentId) {
      detail = await ctx.api.incident(incidentId);
      if (!id || !detail.findings.some((f) => f.id === id)) id = detail.incident.headline.id;
    }
    const ev = await ctx.api.anomaly(id);
    if (!detail && ev.anomaly.incidentId) {
      incidentId = ev.anomaly.incidentId;
      detail = await ctx.api.incident(incidentId).catch(() => null);
    }
    if (!alive) return;
    for (const f of detail?.findings ?? [ev.anomaly]) ctx.markSeen(f.id);
    putAnomaly(ctx.state, 'live', ev.anomaly);
    let windows: WindowStats[] = [];
    try {
      // per-window resolution, so the line is comparable with the per-window expected range
      windows = await ctx.api.windows(ev.anomaly.sensor, ev.anomaly.peakAt - HALF_HOUR, ev.anomaly.peakAt + HALF_HOUR, '1s');
    } catch { windows = []; }
    if (alive) render(ev, windows, detail);
  }
  load().catch((err: unknown) => {
    clear(body);
    body.append(el('p', { class: 'error', attrs: { role: 'alert' } }, err instanceof Error ? err.message : String(err)));
  });

  const off = ctx.onChange((c) => {
    if (c.kind === 'status' && c.anomalyId === id) void reloadAudit().catch(() => undefined);
  });
  return () => { alive = false; off(); };
}
