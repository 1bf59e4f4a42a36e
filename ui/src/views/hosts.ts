// #/hosts: top talkers now (from the stream) and over a range (from the store);
// #/host/IP: one host's traffic per second against the live model's outbound baseline for it, and its anomalies.
import { select as d3select } from 'd3-selection';
import { barChart } from '../charts/barChart.ts';
import { timeChart } from '../charts/timeChart.ts';
import type { AppContext, View } from '../context.ts';
import { button, clear, el } from '../dom.ts';
import { formatAge, formatBytes, formatTime } from '../format.ts';
import { channelData, anomaliesNewestFirst, dataTime } from '../liveState.ts';
import { DIRECTION_COLOUR } from '../palette.ts';
import { routeHash } from '../router.ts';
import { levelLabel, summaryText } from '../anomalyText.ts';
import { topTalkers } from '../hostTotals.ts';
import type { TopHost } from '../apiShapes.ts';

const NOW_SPAN_MS = 60_000;
const RANGES = [{ label: 'Last hour', ms: 3_600_000 }, { label: 'Last 24 h', ms: 86_400_000 }, { label: 'Last 7 d', ms: 7 * 86_400_000 }];

/** the data's newest time: ranges end there, so a replayed older day shows its own traffic */
function latest(ctx: AppContext): number {
  return dataTime(ctx.state, 'live') ?? Date.now();
}

function hostTable(hosts: TopHost[], label: string): HTMLElement {
  if (hosts.length === 0) return el('p', { class: 'muted' }, 'No hosts yet.');
  const body = el('tbody');
  for (const h of [...hosts].sort((x, y) => y.bytesOut - x.bytesOut || (x.host < y.host ? -1 : 1))) {
    body.append(el('tr', {},
      el('td', {}, el('a', { attrs: { href: routeHash('host', h.host) } }, h.host)),
      el('td', { class: 'num' }, formatBytes(h.bytesOut)), el('td', { class: 'num' }, formatBytes(h.bytesIn)),
      el('td', { class: 'num' }, String(h.flows)), el('td', { class: 'num' }, String(h.peers))));
  }
  return el('table', { class: 'grid', attrs: { 'aria-label': label } },
    el('thead', {}, el('tr', {}, ...['Host', 'Sent', 'Received', 'Flows', 'Peers'].map((h) => el('th', { attrs: { scope: 'col' } }, h)))), body);
}

export const hostsView: View = (root, ctx) => {
  root.append(el('h1', {}, 'Hosts'));
  const nowBox = el('section', { class: 'card', attrs: { 'aria-label': 'Top talkers now' } });
  const rangeBox = el('section', { class: 'card', attrs: { 'aria-label': 'Top talkers over a range' } });
  const rangeResult = el('div');
  rangeBox.append(el('h2', {}, 'Top talkers over a range (by bytes sent)'),
    el('div', { class: 'controls' }, ...RANGES.map((r) => button(r.label, () => {
      const to = latest(ctx);
      clear(rangeResult);
      rangeResult.append(el('p', { class: 'muted' }, 'Loading…'));
      ctx.api.topHosts(to - r.ms, to).then(
        (hosts) => { clear(rangeResult); rangeResult.append(hostTable(hosts, `Top talkers, ${r.label}`)); },
        (err: unknown) => { clear(rangeResult); rangeResult.append(el('p', { class: 'error' }, err instanceof Error ? err.message : String(err))); },
      );
    }))), rangeResult);
  root.append(nowBox, rangeBox);
  const svgBox = el('div');
  const tableBox = el('div');
  nowBox.append(el('h2', {}, 'Top talkers, last minute (by bytes sent)'), svgBox, tableBox);
  const svg = d3select(svgBox).append('svg');
  function draw(): void {
    const windows = channelData(ctx.state, 'live').windows;
    const last = windows[windows.length - 1];
    const hosts = topTalkers(windows, (last ? last.start + last.durationMs : Date.now()) - NOW_SPAN_MS);
    barChart(svg, {
      width: Math.min(900, Math.max(520, root.clientWidth - 40)), colour: DIRECTION_COLOUR.outbound,
      bars: hosts.slice(0, 10).map((h) => ({ key: h.host, label: h.host, value: h.bytesOut, valueLabel: formatBytes(h.bytesOut) })),
    });
    clear(tableBox);
    tableBox.append(hostTable(hosts, 'Top talkers, last minute'));
  }
  draw();
  const timer = setInterval(draw, 2000);
  return () => clearInterval(timer);
};

export const hostView: View = (root, ctx, host) => {
  root.append(el('h1', {}, 'Host ', el('span', { class: 'subject' }, host)),
    el('p', {}, el('a', { attrs: { href: routeHash('anomalies', undefined, { q: host }), id: 'host-incidents' } }, 'All incidents involving this host')));
  const chartBox = el('section', { class: 'card wide', attrs: { 'aria-label': 'Outbound baseline' } }, el('h2', {}, 'Outbound traffic against its baseline, last 24 h'));
  const status = el('p', { class: 'muted' }, 'Loading…');
  chartBox.append(status);
  const list = el('ul', { class: 'plain' });
  root.append(chartBox, el('section', { class: 'card', attrs: { 'aria-label': 'Anomalies for this host' } }, el('h2', {}, 'Anomalies involving this host'), list));
  const now = Date.now();
  for (const a of anomaliesNewestFirst(ctx.state, 'live').filter((x) => x.subject.localHost === host || x.subject.remote === host)) {
    list.append(el('li', {}, el('a', { attrs: { href: a.incidentId ? routeHash('incident', a.incidentId, { finding: a.id }) : routeHash('anomaly', a.id) } }, `${levelLabel(a.level)} ${a.kind} — ${summaryText(a)}`),
      ` (${formatTime(a.start)}, detected ${formatAge(a.detectedAt, now)})`));
  }
  if (!list.firstChild) list.append(el('li', { class: 'muted' }, 'None known.'));
  const to = latest(ctx);
  const from = to - 86_400_000;
  const bandNote = el('p', { class: 'muted band-note' });
  chartBox.append(bandNote);
  // the band is optional: without a live model the chart still shows the traffic
  const baseline = ctx.api.baseline({ from, to, host, series: ['outbound.bytes'] }).catch((err: unknown) => {
    bandNote.textContent = `no baseline: ${err instanceof Error ? err.message : String(err)}`;
    return null;
  });
  Promise.all([ctx.api.hostTimeline(host, from, to), baseline]).then(([points, base]) => {
    status.textContent = points.length ? `${points.length} points` : 'The store has no traffic for this host in the last 24 h.';
    const hostBand = base?.host;
    if (base && hostBand) {
      bandNote.textContent = hostBand.known
        ? `Band: the payload (bytes beyond headers) this host sent per second at this hour of day in training, 1st–99th percentile (model ${base.version}).`
        : `Model ${base.version} has no baseline of its own for this host.`;
    }
    const rate = (bytes: number, durationMs?: number): number => bytes / ((durationMs ?? 1000) / 1000);
    timeChart(d3select(chartBox).append('svg'), {
      width: Math.max(560, Math.min(1300, root.clientWidth - 40)), height: 240, domain: points.length ? [points[0].t, points[points.length - 1].t] : [from, to],
      lines: [
        { key: 'out', label: 'bytes out', colour: DIRECTION_COLOUR.outbound, width: 2.5, points: points.map((p) => ({ t: p.t, v: rate(p.bytesOut, p.durationMs) })) },
        { key: 'in', label: 'bytes in', colour: DIRECTION_COLOUR.inbound, width: 1.25, points: points.map((p) => ({ t: p.t, v: rate(p.bytesIn, p.durationMs) })) },
      ],
      bands: [],
      expected: hostBand?.points.length ? [{
        key: 'out', label: `expected payload out of ${host}`, colour: DIRECTION_COLOUR.outbound, opacity: 0.22,
        points: hostBand.points.map((p) => ({ t: p.t, low: p.low, high: p.high })),
      }] : [],
      markers: [], yLabel: 'bytes/s', yFormat: formatBytes,
    });
  }, (err: unknown) => { status.textContent = err instanceof Error ? err.message : String(err); status.className = 'error'; });
};
