// #/anomaly/ID: one anomaly's evidence card — observed vs expected over the surrounding hour,
// contributing features, the local host's timeline, top remote endpoints, model and maturity,
// the analyst actions and the anomaly's audit history, kept current from the stream.
import { select as d3select } from 'd3-selection';
import { barChart } from '../charts/barChart.ts';
import { timeChart, type SeriesLine } from '../charts/timeChart.ts';
import type { AppContext, View } from '../context.ts';
import { button, clear, el } from '../dom.ts';
import { formatBytes, formatCount, formatPercent, formatTime, formatValue } from '../format.ts';
import { putAnomaly } from '../liveState.ts';
import { DIRECTION_COLOUR } from '../palette.ts';
import { levelLabel, subjectText } from '../anomalyText.ts';
import { observedSeries } from '../series.ts';
import type { Evidence } from '../apiShapes.ts';
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
  if (series.points.length === 0) box.append(el('p', { class: 'muted' }, `No stored windows carry “${a.observed.feature}”; showing the anomaly's own value.`));
  else if (!series.exact) box.append(el('p', { class: 'muted' }, `The windows do not carry ${a.observed.feature}; the line is ${series.label}.`));
  const svg = d3select(box).append('svg');
  const fmt = a.observed.unit.startsWith('byte') ? formatBytes : formatCount;
  timeChart(svg, {
    width, height: 220,
    lines: [{ key: 'observed', label: series.label, colour: DIRECTION_COLOUR.outbound, width: 2, points }],
    domain: [a.peakAt - HALF_HOUR, a.peakAt + HALF_HOUR],
    bands: [{ from: a.peakAt - HALF_HOUR, to: a.peakAt + HALF_HOUR, low: a.expected.low, high: a.expected.high }],
    markers: [{ id: a.id, t: a.peakAt, level: a.level, label: `${a.level} ${a.kind}` }],
    yLabel: a.observed.unit || a.observed.feature, yFormat: fmt,
  });
  box.append(el('p', { class: 'legend' }, el('span', { class: 'key key-outbound' }, `observed: ${series.label}`), el('span', { class: 'key key-band' }, 'expected range at this time')));
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
      yLabel: 'bytes', yFormat: formatBytes,
    });
  };
  const fromWindows = windows.flatMap((w) => w.topLocalHosts.filter((h) => h.host === host).map((h) => ({ t: w.start, out: h.bytesOut, in: h.bytesIn })));
  draw(fromWindows);
  ctx.api.hostTimeline(host, a.peakAt - HALF_HOUR, a.peakAt + HALF_HOUR).then(
    (points) => { if (points.length) draw(points.map((p) => ({ t: p.t, out: p.bytesOut, in: p.bytesIn }))); },
    () => undefined,
  );
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

/** #/anomaly/ID: an anomaly the server holds. */
export const evidenceView: View = (root, ctx, id) => mountEvidence(root, ctx, id);

/** #/replayed/CHANNEL/ID: an anomaly of a training replay, held only by this page. */
export const replayedEvidenceView: View = (root, ctx, param) => {
  const slash = param.indexOf('/');
  return mountEvidence(root, ctx, param.slice(slash + 1), param.slice(0, slash));
};

function mountEvidence(root: HTMLElement, ctx: AppContext, id: string, replayChannel?: string): () => void {
  ctx.markSeen(id);
  let alive = true;
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

  function render(ev: Evidence, windows: WindowStats[], replayChannel?: string): void {
    const a = ev.anomaly;
    const width = Math.max(520, Math.min(1300, root.clientWidth - 40));
    clear(head);
    statusNode.textContent = a.status;
    statusNode.className = `status-${a.status}`;
    head.append(
      el('h1', {}, el('span', { class: `badge level-${a.level}` }, levelLabel(a.level)), ' ', a.kind, ' · ', el('span', { class: 'subject' }, subjectText(a))),
      el('p', { class: 'summary' }, a.summary),
      el('p', {}, 'Status: ', statusNode, ` · sensor ${a.sensor} · ${formatTime(a.start)} – ${formatTime(a.end)}${a.ongoing ? ' (ongoing)' : ''}`),
    );
    clear(body);
    const facts = el('dl', { class: 'facts' },
      kv('Observed', formatValue(a.observed.value, a.observed.unit), 'observed-value'),
      kv('Expected', `${formatValue(a.expected.low, a.observed.unit)} – ${formatValue(a.expected.high, a.observed.unit)} (median ${formatValue(a.expected.median, a.observed.unit)})`, 'expected-range'),
      kv('Feature', a.observed.feature),
      kv('Severity', `${a.severity} / 100 (score ${formatCount(a.score)})`),
      kv('Model version', a.modelVersion, 'model-version'),
      kv('Baseline maturity', formatPercent(a.maturity), 'maturity'),
      a.captureLoss ? kv('Capture loss', 'yes — severity was demoted') : null,
      a.subject.domain ? kv('Domain', a.subject.domain, 'subject-domain') : null,
      'assignee' in a && typeof a.assignee === 'string' ? kv('Assigned to', a.assignee) : null,
    );
    const chartBox = el('section', { class: 'card wide', attrs: { 'aria-label': 'Observed versus expected' } }, el('h2', {}, 'Observed vs expected, surrounding hour'));
    const contribBox = el('section', { class: 'card', attrs: { 'aria-label': 'Contributing features' } }, el('h2', {}, 'Contributing features'));
    const hostBox = el('section', { class: 'card', attrs: { 'aria-label': 'Local host timeline' } }, el('h2', {}, `Local host timeline${a.subject.localHost ? `: ${a.subject.localHost}` : ''}`));
    const peak = windowAt(windows.length ? windows : ev.windows, a.peakAt);
    const remoteBox = el('section', { class: 'card', attrs: { 'aria-label': 'Top remote endpoints' } }, el('h2', {}, 'Top remote endpoints in the peak window'), remotesTable(peak));
    const dnsBox = el('section', { class: 'card', attrs: { 'aria-label': 'DNS names' } }, el('h2', {}, 'DNS names in the peak window'), dnsTable(peak));
    const actionBox = el('section', { class: 'card', attrs: { 'aria-label': 'Actions' } }, el('h2', {}, 'Actions'));
    body.append(el('section', { class: 'card', attrs: { 'aria-label': 'Facts' } }, facts), actionBox, chartBox, contribBox, hostBox, remoteBox, dnsBox, auditBox);
    observedChart(chartBox, a, windows.length ? windows : ev.windows, width);
    const bars = [...a.contributions].sort((x, y) => y.share - x.share).map((c) => ({
      key: c.feature, label: c.feature, value: c.share,
      valueLabel: `${formatPercent(c.share)} (${formatCount(c.observed)} vs ${formatCount(c.expected)})`,
    }));
    if (bars.length) barChart(d3select(contribBox).append('svg'), { width: Math.max(360, contribBox.clientWidth - 28), bars, colour: DIRECTION_COLOUR.outbound });
    else contribBox.append(el('p', { class: 'muted' }, 'The model reported no per-feature contributions.'));
    hostTimelineChart(hostBox, ctx, a, windows.length ? windows : ev.windows, Math.max(360, hostBox.clientWidth - 28));
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
    const data = ctx.state.channels.get(replayChannel);
    const held = data?.anomalies.get(id);
    if (data && held) render({ anomaly: held, windows: data.windows, audit: [] }, data.windows, replayChannel);
    else body.replaceChildren(el('p', { class: 'error', attrs: { role: 'alert' } }, `This page no longer holds anomaly ${id} of ${replayChannel}; start the replay again.`));
    return () => { alive = false; };
  }

  ctx.api.anomaly(id).then(async (ev) => {
    if (!alive) return;
    putAnomaly(ctx.state, 'live', ev.anomaly);
    let windows: WindowStats[] = [];
    try {
      // per-window resolution, so the line is comparable with the per-window expected range
      windows = await ctx.api.windows(ev.anomaly.sensor, ev.anomaly.peakAt - HALF_HOUR, ev.anomaly.peakAt + HALF_HOUR, '1s');
    } catch { windows = []; }
    if (alive) render(ev, windows);
  }, (err: unknown) => {
    clear(body);
    body.append(el('p', { class: 'error', attrs: { role: 'alert' } }, err instanceof Error ? err.message : String(err)));
  });

  const off = ctx.onChange((c) => {
    if (c.kind === 'status' && c.anomalyId === id) void reloadAudit().catch(() => undefined);
  });
  return () => { alive = false; off(); };
}
