// The finding feed of a replay channel (the live feed shows incidents: incidentFeed.ts): newest
// first, filterable, each row a link to its evidence card (Tab reaches it, Enter opens it), with
// its event time. Unseen high/critical findings are marked until opened.
import { select as d3select } from 'd3-selection';
import type { AppContext } from '../context.ts';
import { el, select } from '../dom.ts';
import { formatTime } from '../format.ts';
import { anomaliesNewestFirst } from '../liveState.ts';
import { levelLabel, matchesFilter, observedVsExpected, subjectText, type FeedFilter } from '../anomalyText.ts';
import { routeHash } from '../router.ts';
import type { Anomaly, Channel } from '../types.ts';
import { KINDS, LEVELS, STATUSES } from '../vocabulary.ts';

const MAX_ROWS = 300;
const COLUMNS = [
  ['c-level', 'Level'], ['c-time', 'Time (UTC)'], ['c-kind', 'Kind'], ['c-subject', 'Subject'], ['c-observed', 'Observed'],
  ['c-findings', 'Windows'], ['c-status', 'Status'],
] as const;

export function mountFeed(root: HTMLElement, ctx: AppContext, channel: Channel): () => void {
  const filter: FeedFilter = { level: '', kind: '', status: '', sensor: '' };
  const sensors = ['', ...ctx.state.health.keys()];
  const onFilter = (key: keyof FeedFilter) => (v: string) => { filter[key] = v; draw(); };
  const count = el('span', { class: 'muted', attrs: { 'aria-live': 'polite' } });
  root.append(el('div', { class: 'controls' },
    el('label', { class: 'field' }, el('span', {}, 'Level'), select(['', ...LEVELS], '', onFilter('level'))),
    el('label', { class: 'field' }, el('span', {}, 'Kind'), select(['', ...KINDS], '', onFilter('kind'))),
    el('label', { class: 'field' }, el('span', {}, 'Status'), select(['', ...STATUSES], '', onFilter('status'))),
    el('label', { class: 'field' }, el('span', {}, 'Sensor'), select(sensors, '', onFilter('sensor'))),
    count,
  ));
  const header = el('div', { class: 'feed-row feed-head', attrs: { 'aria-hidden': 'true' } },
    ...COLUMNS.map(([cls, h]) => el('span', { class: cls }, h)));
  const list = el('ol', { class: 'feed', attrs: { 'aria-label': 'Anomalies, newest first' } });
  root.append(header, list);

  function draw(): void {
    const rows = anomaliesNewestFirst(ctx.state, channel).filter((a) => matchesFilter(a, filter)).slice(0, MAX_ROWS);
    count.textContent = `${rows.length} shown`;
    d3select(list).selectAll<HTMLLIElement, Anomaly>('li')
      .data(rows, (a) => a.id)
      .join((enter) => {
        const li = enter.append('li');
        const a = li.append('a').attr('class', 'feed-row');
        for (const [cls] of COLUMNS) a.append('span').attr('class', cls);
        return li;
      })
      .call((li) => {
        const a = li.select<HTMLAnchorElement>('a.feed-row')
          .attr('href', (d) => routeHash('replayed', `${channel}/${d.id}`))
          .attr('data-id', (d) => d.id)
          .attr('data-level', (d) => d.level)
          .attr('data-status', (d) => d.status)
          .classed('unseen', (d) => ctx.state.unseen.has(d.id))
          .attr('aria-label', (d) => `${ctx.state.unseen.has(d.id) ? 'new ' : ''}${d.level} ${d.kind} ${subjectText(d)}, ${d.status}`);
        a.select('.c-level').attr('class', (d) => `c-level badge level-${d.level}`).text((d) => levelLabel(d.level));
        a.select('.c-kind').text((d) => d.kind);
        a.select('.c-subject').text((d) => subjectText(d));
        a.select('.c-observed').text((d) => observedVsExpected(d));
        a.select('.c-time').text((d) => formatTime(d.start).slice(5, 19));
        a.select('.c-findings').text((d) => String(d.windows));
        a.select('.c-status').attr('class', (d) => `c-status status-${d.status}`).text((d) => d.status);
      })
      .order();
  }

  const off = ctx.onChange((c) => {
    if ((c.kind === 'anomaly' || c.kind === 'status') && c.channel === channel) draw();
    else if (c.kind === 'resync') draw();
  });
  draw();
  return () => { off(); };
}
