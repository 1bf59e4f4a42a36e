// Bytes/s and packets/s per direction for one channel, over the live model's expected range per
// direction, with the ranges anomalies carried and anomaly markers.
// Live by default (the last few minutes of the stream); a brush or a range button switches to
// history fetched over REST at a resolution that fits the range, until "Back to live".
import { select as d3select } from 'd3-selection';
import type { AppContext } from '../context.ts';
import { button, el, select } from '../dom.ts';
import { formatBytes, formatCount, formatTime, fromInputTime, toInputTime } from '../format.ts';
import { anomaliesNewestFirst, channelData, dataTime } from '../liveState.ts';
import { DIRECTION_COLOUR } from '../palette.ts';
import { resolutionFor } from '../resolution.ts';
import { routeHash } from '../router.ts';
import { summaryText } from '../anomalyText.ts';
import { bandsFor, CHART_DIRECTIONS, ratesFromWindows, type Metric, type RatePoint } from '../series.ts';
import { timeChart, type SeriesLine } from '../charts/timeChart.ts';
import { expectedAreas, historyBandRange, liveBandRange } from '../baselineBands.ts';
import type { Baseline } from '../apiShapes.ts';
import type { Channel, WindowStats } from '../types.ts';

const LIVE_SPAN_MS = 5 * 60_000;
/** what a history range shows at 1 s when the store holds no roll-ups for it */
const FALLBACK_SPAN_MS = 3_600_000;
/** after a failed band request (no live model yet), ask again this much later */
const BAND_RETRY_MS = 60_000;
const HISTORY_PRESETS: { label: string; ms: number }[] = [
  { label: '1 h', ms: 3_600_000 }, { label: '6 h', ms: 6 * 3_600_000 }, { label: '24 h', ms: 24 * 3_600_000 }, { label: '7 d', ms: 7 * 24 * 3_600_000 },
];

interface LiveMode { kind: 'live' }
interface HistoryMode { kind: 'history'; from: number; to: number; windows: WindowStats[] }

export function mountTraffic(root: HTMLElement, ctx: AppContext, channel: Channel, allowHistory: boolean): () => void {
  let mode: LiveMode | HistoryMode = { kind: 'live' };
  let sensor = '';
  let frame: ReturnType<typeof setTimeout> | null = null;
  /** the band for `bandKey`; a request is made once per key, and again after a failure once `bandRetryAt` passes */
  let baseline: Baseline | null = null;
  let bandKey = '';
  let bandRetryAt = Infinity;
  let closed = false;

  const status = el('span', { class: 'muted', attrs: { 'aria-live': 'polite' } });
  const backToLive = button('Back to live', () => { mode = { kind: 'live' }; draw(); }, 'primary');
  const sensors = (): string[] => ['', ...new Set([...ctx.state.health.keys(), ...channelData(ctx.state, channel).windows.map((w) => w.sensor)])];
  const sensorPicker = select(sensors(), sensor, (v) => { sensor = v; if (mode.kind === 'history') void loadHistory(mode.from, mode.to); else draw(); });
  // the end of a history range: the time picker's value, else the data's newest time (never the wall clock)
  const endPicker = el('input', { attrs: { type: 'datetime-local', id: 'history-end', 'aria-label': 'History ends at (event time, UTC)' } });
  const historyEnd = (): number => fromInputTime(endPicker.value) ?? dataTime(ctx.state, channel) ?? Date.now();
  const controls = el('div', { class: 'controls' },
    el('label', { class: 'field' }, el('span', {}, 'Sensor'), sensorPicker),
    allowHistory ? el('label', { class: 'field' }, el('span', {}, 'Ending (UTC)'), endPicker) : null,
    allowHistory ? el('span', { class: 'presets' }, 'History: ', ...HISTORY_PRESETS.map((p) => button(p.label, () => {
      const to = historyEnd();
      if (!endPicker.value) endPicker.value = toInputTime(to);
      void loadHistory(to - p.ms, to);
    }))) : null,
    allowHistory ? backToLive : null,
    status,
  );
  const bandNote = el('span', { class: 'muted band-note' });
  const legend = el('p', { class: 'legend' }, ...CHART_DIRECTIONS.map((d) => el('span', { class: `key key-${d}` }, d)),
    el('span', { class: 'key key-band' }, 'expected range'), bandNote, el('span', { class: 'muted' }, allowHistory ? 'Drag across a chart to zoom into history.' : ''));
  const bytesBox = el('figure', { class: 'chart', attrs: { 'data-chart': 'bytes' } }, el('figcaption', {}, 'Bytes per second'));
  const packetsBox = el('figure', { class: 'chart', attrs: { 'data-chart': 'packets' } }, el('figcaption', {}, 'Packets per second'));
  root.append(controls, legend, bytesBox, packetsBox);
  const bytesChart = d3select(bytesBox).append('svg');
  const packetsChart = d3select(packetsBox).append('svg');

  function latestTime(): number | undefined {
    const w = channelData(ctx.state, channel).windows;
    const last = w[w.length - 1];
    return last ? last.start + last.durationMs : undefined;
  }

  async function loadHistory(fromMs: number, toMs: number): Promise<void> {
    const from = Math.round(fromMs);
    const to = Math.round(toMs);
    const resolution = resolutionFor(from, to);
    status.textContent = `loading ${resolution} history…`;
    try {
      let windows = await ctx.api.windows(sensor || undefined, from, to, resolution);
      let note = '';
      if (windows.length === 0 && resolution !== '1s') {
        // a replayed older day can be in the store at 1 s before its roll-ups are: show its last hour
        windows = await ctx.api.windows(sensor || undefined, Math.max(from, to - FALLBACK_SPAN_MS), to, '1s');
        if (windows.length) note = `; no ${resolution} roll-ups stored for this range, showing its last hour at 1s`;
      }
      mode = { kind: 'history', from, to, windows };
      status.textContent = `history ${formatTime(from)} – ${formatTime(to)} at ${note ? '1s' : resolution} (${windows.length} windows)${note}`;
    } catch (err) {
      status.textContent = err instanceof Error ? err.message : String(err);
    }
    draw();
  }

  /** Asks for the band when the visible range needs another one; redraws when it arrives. */
  function refreshBand(end: number): void {
    const range = mode.kind === 'live' ? liveBandRange(end, LIVE_SPAN_MS) : historyBandRange(mode.from, mode.to);
    // a sensor reporting another model version means a promotion or rollback: the band changes with it
    const versions = [...new Set([...ctx.state.health.values()].map((h) => h.modelVersion ?? ''))].sort().join(',');
    const key = `${range.key}:${sensor}:${versions}`;
    if (key === bandKey && Date.now() < bandRetryAt) return;
    bandKey = key;
    bandRetryAt = Infinity;
    ctx.api.baseline({ from: range.from, to: range.to, step: range.step, sensor: sensor || undefined }).then((b) => {
      if (closed || bandKey !== key) return;
      baseline = b;
      bandNote.textContent = `model ${b.version}`;
      frame ??= setTimeout(draw, 0);
    }, (err: unknown) => {
      if (closed || bandKey !== key) return;
      baseline = null;
      bandRetryAt = Date.now() + BAND_RETRY_MS;
      bandNote.textContent = `no expected range: ${err instanceof Error ? err.message : String(err)}`;
      frame ??= setTimeout(draw, 0);
    });
  }

  function lines(points: RatePoint[], metric: Metric): SeriesLine[] {
    return CHART_DIRECTIONS.map((d) => ({
      key: d,
      label: d,
      colour: DIRECTION_COLOUR[d],
      width: d === 'outbound' ? 2.5 : 1.25,
      dash: d === 'internal' ? '4 3' : undefined,
      points: points.map((p) => ({ t: p.t, v: p[metric][d] })),
    }));
  }

  function draw(): void {
    frame = null;
    const windows = mode.kind === 'live' ? channelData(ctx.state, channel).windows : mode.windows;
    const points = ratesFromWindows(windows, sensor || undefined);
    const end = mode.kind === 'live' ? (latestTime() ?? Date.now()) : mode.to;
    const domain: [number, number] = mode.kind === 'live' ? [end - LIVE_SPAN_MS, end] : [mode.from, mode.to];
    refreshBand(end);
    const anomalies = anomaliesNewestFirst(ctx.state, channel).filter((a) => !sensor || a.sensor === sensor);
    const markers = anomalies.map((a) => ({ id: a.id, t: a.peakAt, level: a.level, label: `${a.level} ${a.kind}: ${summaryText(a)}` }));
    const width = Math.max(560, Math.min(1300, root.clientWidth - 8));
    const onBrush = allowHistory ? (from: number, to: number) => { void loadHistory(from, to); } : undefined;
    const onMarker = (id: string) => ctx.navigate(routeHash('anomaly', id));
    timeChart(bytesChart, { width, height: 230, domain, lines: lines(points, 'bytes'), bands: bandsFor(anomalies, 'bytes'), expected: expectedAreas(baseline, 'bytes'), markers, yLabel: 'bytes/s', yFormat: formatBytes, onBrush, onMarker });
    timeChart(packetsChart, { width, height: 200, domain, lines: lines(points, 'packets'), bands: bandsFor(anomalies, 'packets'), expected: expectedAreas(baseline, 'packets'), markers, yLabel: 'packets/s', yFormat: formatCount, onBrush, onMarker });
    const last = points[points.length - 1];
    bytesBox.dataset.points = String(points.length);
    bytesBox.dataset.from = String(domain[0]);
    bytesBox.dataset.to = String(domain[1]);
    bytesBox.dataset.lastWindow = last ? String(last.t) : '';
    backToLive.hidden = mode.kind === 'live';
    root.dataset.mode = mode.kind;
    if (mode.kind === 'live') status.textContent = last ? `live · last window ${formatTime(last.t)}` : 'live · waiting for the first window';
    const known = sensors();
    if (known.length !== sensorPicker.options.length) {
      for (const s of known.slice(sensorPicker.options.length)) sensorPicker.append(el('option', { attrs: { value: s } }, s));
    }
  }

  const off = ctx.onChange((c) => {
    if (mode.kind !== 'live') return;
    if ((c.kind === 'window' || c.kind === 'anomaly' || c.kind === 'status') && c.channel !== channel) return;
    if (c.kind === 'training' || c.kind === 'health') return;
    // coalesce bursts of windows into one redraw; a timer (unlike an animation frame) also runs in a background tab
    frame ??= setTimeout(draw, 30);
  });
  draw();
  return () => { closed = true; off(); if (frame) clearTimeout(frame); };
}
