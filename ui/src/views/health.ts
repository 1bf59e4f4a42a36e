// #/health: per sensor — packets/s, drops, decode errors, store backlog, model version — and the
// stream connection itself.
import type { View } from '../context.ts';
import { clear, el } from '../dom.ts';
import { formatAge, formatCount, formatPercent } from '../format.ts';

export const healthView: View = (root, ctx) => {
  root.append(el('h1', {}, 'Health'));
  const conn = el('p', { attrs: { 'aria-live': 'polite' } });
  const box = el('div');
  root.append(conn, box);
  function draw(): void {
    const state = document.body.dataset.stream ?? 'connecting';
    conn.textContent = `Live stream: ${state}${ctx.state.droppedWindows ? ` · ${ctx.state.droppedWindows} windows skipped because this page fell behind` : ''}`;
    conn.className = state === 'open' ? 'ok' : 'error';
    clear(box);
    const sensors = [...ctx.state.health.values()].sort((a, b) => a.sensor.localeCompare(b.sensor));
    if (sensors.length === 0) { box.append(el('p', { class: 'muted' }, 'No sensor has reported yet.')); return; }
    const now = Date.now();
    const body = el('tbody');
    for (const s of sensors) {
      const drops = s.health.packetsDropped + s.health.packetsIfDropped;
      body.append(el('tr', { attrs: { 'data-sensor': s.sensor } },
        el('th', { attrs: { scope: 'row' } }, s.sensor),
        el('td', { class: 'num' }, formatCount(s.packetsPerSecond)),
        el('td', { class: `num${drops > 0 ? ' warn' : ''}` }, `${formatCount(drops)} (${formatPercent(s.health.lossRatio)})`),
        el('td', { class: `num${s.health.decodeErrors > 0 ? ' warn' : ''}` }, formatCount(s.health.decodeErrors)),
        el('td', { class: 'num' }, formatCount(s.health.flowsTracked)),
        el('td', { class: `num${s.storeBacklog > 0 ? ' warn' : ''}` }, formatCount(s.storeBacklog)),
        el('td', {}, s.modelVersion ?? 'none'),
        el('td', {}, s.lastSeen ? formatAge(s.lastSeen, now) : 'never')));
    }
    box.append(el('table', { class: 'grid', attrs: { 'aria-label': 'Sensor health' } },
      el('thead', {}, el('tr', {}, ...['Sensor', 'Packets/s', 'Drops', 'Decode errors', 'Flows tracked', 'Store backlog', 'Model', 'Last window'].map((h) => el('th', { attrs: { scope: 'col' } }, h)))),
      body));
  }
  draw();
  const off = ctx.onChange((c) => { if (c.kind === 'health' || c.kind === 'hello') draw(); });
  const timer = setInterval(draw, 2000);
  return () => { off(); clearInterval(timer); };
};
