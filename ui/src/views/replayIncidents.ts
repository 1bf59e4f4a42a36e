// The incident list of a training replay: the server groups the replay's findings into incidents
// in a book of the replay's own (GET /replays/:id/incidents), exactly as it does live findings, so
// the drill reads like the live feed — one row per event, newest first by event time. Each row
// opens the card of the incident's most severe finding from what the page received on the
// replay's channel. Level and kind filter the rows shown.
import type { Incident } from '../apiShapes.ts';
import type { AppContext } from '../context.ts';
import { el, select } from '../dom.ts';
import { routeHash } from '../router.ts';
import type { Channel } from '../types.ts';
import { KINDS, LEVELS } from '../vocabulary.ts';
import { drawIncidentRows, incidentHeader } from './incidentRows.ts';

/** stream bursts (a finding and its updates) are folded into one request */
const REFRESH_DELAY_MS = 250;

export function mountReplayIncidents(root: HTMLElement, ctx: AppContext, replay: { id: string; channel: Channel }): () => void {
  const filter = { level: '', kind: '' };
  let all: Incident[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;
  let alive = true;
  const count = el('span', { class: 'muted', attrs: { 'aria-live': 'polite' } });
  const onFilter = (key: keyof typeof filter) => (v: string) => { filter[key] = v; draw(); };
  root.append(el('div', { class: 'controls' },
    el('label', { class: 'field' }, el('span', {}, 'Level'), select(['', ...LEVELS], '', onFilter('level'))),
    el('label', { class: 'field' }, el('span', {}, 'Kind'), select(['', ...KINDS], '', onFilter('kind'))),
    count,
  ));
  const list = el('ol', { class: 'feed', attrs: { 'aria-label': 'Incidents in this replay, newest first' } });
  root.append(incidentHeader(), list);

  async function refresh(): Promise<void> {
    const mine = ++seq;
    try {
      const incidents = await ctx.api.replayIncidents(replay.id);
      if (!alive || mine !== seq) return;
      all = incidents;
      root.dataset.loaded = String(mine);
    } catch (err) {
      if (!alive || mine !== seq) return;
      count.textContent = err instanceof Error ? err.message : String(err);
      return;
    }
    draw();
  }

  function draw(): void {
    const rows = all.filter((i) => (!filter.level || i.level === filter.level) && (!filter.kind || i.kinds.includes(filter.kind as Incident['kinds'][number])));
    count.textContent = `${rows.length} incident${rows.length === 1 ? '' : 's'}`;
    drawIncidentRows(list, rows, ctx, (d) => routeHash('replayed', `${replay.channel}/${d.headline.id}`));
  }

  const off = ctx.onChange((c) => {
    if (c.kind === 'anomaly' && c.channel === replay.channel) timer ??= setTimeout(() => { timer = null; void refresh(); }, REFRESH_DELAY_MS);
  });
  void refresh();
  return () => { alive = false; off(); if (timer) clearTimeout(timer); };
}
