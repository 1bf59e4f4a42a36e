// The rows of an incident list — the live feed (incidentFeed.ts) and a replay's (replayIncidents.ts):
// one link per incident to its card, with level, event time, kinds, subject, the headline's
// observed value, how many findings it holds and its status. Unseen high/critical incidents are
// marked until opened.
import { select as d3select } from 'd3-selection';
import type { Incident } from '../apiShapes.ts';
import type { AppContext } from '../context.ts';
import { el } from '../dom.ts';
import { formatTime } from '../format.ts';
import { incidentSubject, levelLabel, observedVsExpected } from '../anomalyText.ts';

const COLUMNS = [
  ['c-level', 'Level'], ['c-time', 'Time (UTC)'], ['c-kind', 'Kind'], ['c-subject', 'Subject'], ['c-observed', 'Observed'],
  ['c-findings', 'Findings'], ['c-status', 'Status'],
] as const;

/** The column headings above a list of incident rows. */
export function incidentHeader(): HTMLElement {
  return el('div', { class: 'feed-row feed-head', attrs: { 'aria-hidden': 'true' } }, ...COLUMNS.map(([cls, h]) => el('span', { class: cls }, h)));
}

/** Joins `rows` into `list` (one <li> per incident, keyed by id, in the given order); `href` is where a row leads. */
export function drawIncidentRows(list: HTMLElement, rows: readonly Incident[], ctx: AppContext, href: (i: Incident) => string): void {
  d3select(list).selectAll<HTMLLIElement, Incident>('li')
    .data(rows, (i) => i.id)
    .join((enter) => {
      const li = enter.append('li');
      const a = li.append('a').attr('class', 'feed-row');
      for (const [cls] of COLUMNS) a.append('span').attr('class', cls);
      return li;
    })
    .call((li) => {
      const a = li.select<HTMLAnchorElement>('a.feed-row')
        .attr('href', href)
        .attr('data-id', (d) => d.id)
        .attr('data-headline', (d) => d.headline.id)
        .attr('data-level', (d) => d.level)
        .attr('data-status', (d) => d.status)
        .attr('data-findings', (d) => d.findings)
        .classed('unseen', (d) => ctx.state.unseen.has(d.headline.id))
        .attr('aria-label', (d) => `${ctx.state.unseen.has(d.headline.id) ? 'new ' : ''}${d.level} ${d.kinds.join(', ')} ${incidentSubject(d)}, ${d.findings} finding${d.findings === 1 ? '' : 's'}, ${d.status}`);
      a.select('.c-level').attr('class', (d) => `c-level badge level-${d.level}`).text((d) => levelLabel(d.level));
      a.select('.c-time').text((d) => formatTime(d.start).slice(5, 19)).attr('title', (d) => `${formatTime(d.start)} – ${formatTime(d.end)}`);
      a.select('.c-kind').text((d) => d.kinds.join(', '));
      a.select('.c-subject').text((d) => incidentSubject(d));
      a.select('.c-observed').text((d) => observedVsExpected(d.headline));
      a.select('.c-findings').text((d) => String(d.findings));
      a.select('.c-status').attr('class', (d) => `c-status status-${d.status}`).text((d) => d.status);
    })
    .order();
}
