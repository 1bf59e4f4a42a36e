// #/replay: replay a stored dataset into its own channel at a chosen speed, with its own traffic
// chart and incident list (its findings grouped by the server as live ones are), so analysts
// practise on known incidents without touching live data.
import type { View } from '../context.ts';
import { clear, el, field } from '../dom.ts';
import { formatDuration } from '../format.ts';
import { mountReplayIncidents } from './replayIncidents.ts';
import { mountTraffic } from './trafficPanel.ts';

const SPEEDS = ['1', '10', '60', '300', '600', '1200'];
/** a day of traffic in 2.4 minutes */
const DEFAULT_SPEED = '600';

export const replayView: View = (root, ctx) => {
  root.append(el('h1', {}, 'Replay (training mode)'),
    el('p', {}, 'A replay runs in its own channel: nothing here reaches the live view, the live feed or alerting.'));
  const datasetPick = el('select');
  const speedPick = el('select');
  for (const s of SPEEDS) speedPick.append(el('option', { attrs: { value: s } }, `${s}× (a day in ${formatDuration(86_400 / Number(s))})`));
  speedPick.value = DEFAULT_SPEED;
  const status = el('p', { class: 'muted', attrs: { role: 'status' } });
  const form = el('form', { class: 'controls' }, field('Dataset', datasetPick, 'replay-dataset'), field('Speed', speedPick, 'replay-speed'),
    el('button', { attrs: { type: 'submit' } }, 'Start replay'), status);
  const stage = el('div', { class: 'replay-stage' });
  root.append(form, stage);
  let cleanups: (() => void)[] = [];

  ctx.api.datasets().then((sets) => {
    for (const d of sets) datasetPick.append(el('option', { attrs: { value: d.name } }, d.description ? `${d.name} — ${d.description}` : d.name));
    if (sets.length === 0) status.textContent = 'The server offers no stored datasets.';
  }, (e: unknown) => { status.textContent = e instanceof Error ? e.message : String(e); });

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!datasetPick.value) { status.textContent = 'Pick a dataset.'; return; }
    ctx.api.replay(datasetPick.value, Number(speedPick.value)).then(({ id, channel }) => {
      for (const c of cleanups) c();
      clear(stage);
      ctx.follow(channel);
      status.textContent = `Replaying ${datasetPick.value} at ${speedPick.value}× into ${channel}.`;
      stage.dataset.channel = channel;
      const traffic = el('section', { attrs: { 'aria-label': 'Replay traffic' } });
      const feed = el('section', { attrs: { 'aria-label': 'Replay incidents' } });
      stage.append(el('h2', {}, `Traffic (${channel})`), traffic, el('h2', {}, 'Incidents in this replay'), feed);
      cleanups = [mountTraffic(traffic, ctx, channel, false), mountReplayIncidents(feed, ctx, { id, channel })];
    }, (e: unknown) => { status.textContent = e instanceof Error ? e.message : String(e); });
  });
  return () => { for (const c of cleanups) c(); };
};
