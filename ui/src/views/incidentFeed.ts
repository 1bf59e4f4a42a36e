// The live incident feed: one row per incident (related findings grouped by the server), newest
// first by event time. Filters — level, kind, status, sensor, a search by IP, CIDR or domain and an
// event-time range — live in the URL (#/anomalies?level=high&q=10.0.0.5), so a reload or a shared
// link restores them; ranges are anchored to the data's time, not the wall clock. CSV export of the
// rows shown. Each row links to the incident's card; Tab reaches it, Enter opens it.
import { saveBlob } from '../api.ts';
import type { Incident } from '../apiShapes.ts';
import type { AppContext } from '../context.ts';
import { button, el, select } from '../dom.ts';
import { fromInputTime, toInputTime } from '../format.ts';
import { dataTime } from '../liveState.ts';
import { INCIDENT_CSV_HEADER, incidentCsvRow, toCsv } from '../csv.ts';
import { routeHash } from '../router.ts';
import { KINDS, LEVELS, STATUSES } from '../vocabulary.ts';
import { drawIncidentRows, incidentHeader } from './incidentRows.ts';

const PAGE = 200;
/** the server's largest page; older incidents than that are reached with the time range */
const MOST = 500;
/** stream bursts (a finding and its updates) are folded into one request */
const REFRESH_DELAY_MS = 250;
export const FILTER_KEYS = ['level', 'kind', 'status', 'sensor', 'q', 'from', 'to'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filter = Record<FilterKey, string>;

const RANGES = [{ label: 'Last hour of data', ms: 3_600_000 }, { label: 'Last day of data', ms: 86_400_000 }];

export function mountIncidentFeed(root: HTMLElement, ctx: AppContext, query: URLSearchParams): () => void {
  const filter = Object.fromEntries(FILTER_KEYS.map((k) => [k, query.get(k) ?? ''])) as Filter;
  let rows: Incident[] = [];
  let want = PAGE;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;
  let alive = true;

  const count = el('span', { class: 'muted', attrs: { 'aria-live': 'polite', id: 'feed-count' } });
  const set = (key: FilterKey) => (v: string) => { filter[key] = v; changed(); };
  const search = el('input', { attrs: { type: 'search', id: 'feed-search', placeholder: 'IP, CIDR or domain', 'aria-label': 'Search by IP, CIDR or domain', size: '22' } });
  search.value = filter.q;
  search.addEventListener('change', () => set('q')(search.value.trim()));
  const from = el('input', { attrs: { type: 'datetime-local', id: 'feed-from', 'aria-label': 'From (event time, UTC)' } });
  const to = el('input', { attrs: { type: 'datetime-local', id: 'feed-to', 'aria-label': 'To (event time, UTC)' } });
  const showTimes = (): void => {
    from.value = filter.from ? toInputTime(Number(filter.from)) : '';
    to.value = filter.to ? toInputTime(Number(filter.to)) : '';
  };
  showTimes();
  from.addEventListener('change', () => set('from')(String(fromInputTime(from.value) ?? '')));
  to.addEventListener('change', () => set('to')(String(fromInputTime(to.value) ?? '')));
  const sensors = ['', ...new Set([...ctx.state.health.keys(), ...(filter.sensor ? [filter.sensor] : [])])];
  root.append(
    el('div', { class: 'controls' },
      el('label', { class: 'field' }, el('span', {}, 'Level'), select(['', ...LEVELS], filter.level, set('level'))),
      el('label', { class: 'field' }, el('span', {}, 'Kind'), select(['', ...KINDS], filter.kind, set('kind'))),
      el('label', { class: 'field' }, el('span', {}, 'Status'), select(['', ...STATUSES], filter.status, set('status'))),
      el('label', { class: 'field' }, el('span', {}, 'Sensor'), select(sensors, filter.sensor, set('sensor'))),
      el('label', { class: 'field' }, el('span', {}, 'Search'), search),
    ),
    el('div', { class: 'controls' },
      el('label', { class: 'field' }, el('span', {}, 'From'), from),
      el('label', { class: 'field' }, el('span', {}, 'To'), to),
      el('span', { class: 'muted' }, 'UTC, event time'),
      ...RANGES.map((r) => button(r.label, () => {
        const end = dataTime(ctx.state, 'live') ?? Date.now();
        filter.from = String(end - r.ms);
        filter.to = String(end + 1000);
        showTimes();
        changed();
      })),
      button('Clear filters', () => {
        for (const k of FILTER_KEYS) filter[k] = '';
        for (const s of root.querySelectorAll('select')) s.value = '';
        search.value = '';
        showTimes();
        changed();
      }),
      button('Export CSV', () => {
        const csv = toCsv(INCIDENT_CSV_HEADER, rows.map(incidentCsvRow));
        saveBlob(new Blob([csv], { type: 'text/csv' }), 'spanwatch-incidents.csv');
      }),
      count,
    ),
  );
  const header = incidentHeader();
  const list = el('ol', { class: 'feed', attrs: { 'aria-label': 'Incidents, newest first' } });
  const more = button('Load older incidents', () => { want = Math.min(MOST, want + PAGE); void refresh(); });
  more.hidden = true;
  root.append(header, list, el('div', { class: 'controls' }, more));

  /** The filters go into the URL without a navigation, so reload and back restore them. */
  function changed(): void {
    want = PAGE;
    const q: Record<string, string> = {};
    for (const k of FILTER_KEYS) if (filter[k]) q[k] = filter[k];
    history.replaceState(null, '', routeHash('anomalies', undefined, q));
    void refresh();
  }

  async function refresh(): Promise<void> {
    const mine = ++seq;
    count.textContent = 'loading…';
    try {
      const page = await ctx.api.incidents({
        level: filter.level, kind: filter.kind, status: filter.status, sensor: filter.sensor, q: filter.q,
        from: filter.from ? Number(filter.from) : undefined, to: filter.to ? Number(filter.to) : undefined, limit: want,
      });
      if (!alive || mine !== seq) return;
      rows = page.items;
      count.textContent = `${rows.length}${page.nextCursor ? '+' : ''} incident${rows.length === 1 ? '' : 's'}`;
      more.hidden = !page.nextCursor;
      more.textContent = want < MOST ? 'Load older incidents' : 'More are older: narrow the time range';
      more.disabled = want >= MOST;
      root.dataset.loaded = String(mine);
    } catch (err) {
      if (!alive || mine !== seq) return;
      count.textContent = err instanceof Error ? err.message : String(err);
    }
    draw();
  }

  function draw(): void {
    drawIncidentRows(list, rows, ctx, (d) => routeHash('incident', d.id));
  }

  const off = ctx.onChange((c) => {
    if (((c.kind === 'anomaly' || c.kind === 'status') && c.channel === 'live') || c.kind === 'resync') timer ??= setTimeout(() => { timer = null; void refresh(); }, REFRESH_DELAY_MS);
  });
  void refresh();
  return () => { alive = false; off(); if (timer) clearTimeout(timer); };
}
