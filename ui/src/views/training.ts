// #/training (admin): start a retrain on a range, follow its progress from the stream, compare the
// versions' metrics with the live one, promote or roll back.
import type { AppContext, View } from '../context.ts';
import { button, clear, el, field } from '../dom.ts';
import { formatMetric, formatMetricDelta, formatTime } from '../format.ts';
import type { ModelVersion } from '../apiShapes.ts';
import type { TrainingJob } from '../types.ts';
import { canAdminister } from '../vocabulary.ts';
import { putTrainingJob } from '../liveState.ts';

function toLocalInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

function jobLine(job: TrainingJob): HTMLElement {
  const pct = Math.round(job.progress * 100);
  return el('li', { attrs: { 'data-job': job.id, 'data-state': job.state } },
    `${job.id.slice(0, 8)}: ${job.state} — ${job.message} `,
    el('progress', { attrs: { max: '100', value: String(pct), 'aria-label': `training ${job.id} progress` } }), ` ${pct}%`);
}

function metricsTable(ctx: AppContext, models: ModelVersion[], onChanged: () => void, say: (s: string) => void): HTMLElement {
  if (models.length === 0) return el('p', { class: 'muted' }, 'No model versions yet.');
  const live = models.find((m) => m.live);
  const names = [...new Set(models.flatMap((m) => Object.keys(m.metrics)))].sort();
  const body = el('tbody');
  for (const m of models) {
    const cells = names.map((n) => {
      const v = m.metrics[n];
      const ref = live?.metrics[n];
      const delta = v !== undefined && ref !== undefined && !m.live ? ` (${formatMetricDelta(n, v - ref)})` : '';
      return el('td', { class: 'num' }, v === undefined ? '–' : `${formatMetric(n, v)}${delta}`);
    });
    const act = m.live
      ? button('Roll back', () => ctx.api.rollback().then(() => { say('Rolled back.'); onChanged(); }, (e: unknown) => say(String(e))))
      : button('Promote', () => ctx.api.promote(m.version).then(() => { say(`Promoted ${m.version}.`); onChanged(); }, (e: unknown) => say(String(e))));
    body.append(el('tr', { class: m.live ? 'live' : '' }, el('th', { attrs: { scope: 'row' } }, m.version, m.live ? ' (live)' : ''),
      el('td', {}, m.createdAt ?? ''), ...cells, el('td', {}, act)));
  }
  return el('table', { class: 'grid', attrs: { 'aria-label': 'Model versions and metrics' } },
    el('thead', {}, el('tr', {}, ...['Version', 'Created', ...names, ''].map((h) => el('th', { attrs: { scope: 'col' } }, h)))), body);
}

export const trainingView: View = (root, ctx) => {
  root.append(el('h1', {}, 'Training'));
  if (!canAdminister(ctx.me.role)) { root.append(el('p', {}, 'Only admins manage models.')); return; }
  const now = Date.now();
  const from = el('input', { attrs: { type: 'datetime-local' } });
  const to = el('input', { attrs: { type: 'datetime-local' } });
  from.value = toLocalInput(now - 7 * 86_400_000);
  to.value = toLocalInput(now);
  const message = el('p', { class: 'muted', attrs: { role: 'status' } });
  const jobs = el('ul', { class: 'plain', attrs: { 'aria-live': 'polite' } });
  const versions = el('div');
  const say = (s: string): void => { message.textContent = s; };
  const form = el('form', { class: 'controls' }, el('span', {}, 'Retrain on (UTC): '), field('From', from, 'train-from'), field('To', to, 'train-to'),
    el('button', { attrs: { type: 'submit' } }, 'Start retrain'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = Date.parse(`${from.value}Z`);
    const t = Date.parse(`${to.value}Z`);
    if (!(f < t)) { say('Pick a range whose start is before its end.'); return; }
    ctx.api.train(f, t).then((job) => { say(job ? `Started ${job.id}.` : 'Retrain requested.'); if (job) putTrainingJob(ctx.state, job); drawJobs(); },
      (e: unknown) => say(e instanceof Error ? e.message : String(e)));
  });
  root.append(el('section', { class: 'card wide' }, el('h2', {}, 'Retrain'), form, message, jobs),
    el('section', { class: 'card wide' }, el('h2', {}, 'Versions (differences against the live version)'), versions));
  function drawJobs(): void {
    clear(jobs);
    const list = [...ctx.state.training.values()].sort((a, b) => b.startedAt - a.startedAt);
    if (list.length === 0) jobs.append(el('li', { class: 'muted' }, 'No training jobs in this session.'));
    for (const j of list) jobs.append(jobLine(j));
  }
  function loadVersions(): void {
    ctx.api.models().then(({ models, jobs: known }) => {
      for (const j of known) putTrainingJob(ctx.state, j);
      drawJobs();
      clear(versions);
      versions.append(metricsTable(ctx, models, loadVersions, say));
    },
      (e: unknown) => { clear(versions); versions.append(el('p', { class: 'error' }, e instanceof Error ? e.message : String(e))); });
  }
  drawJobs();
  loadVersions();
  const off = ctx.onChange((c) => {
    if (c.kind !== 'training') return;
    drawJobs();
    if (c.job.state === 'done') { say(`Training ${c.job.id} finished at ${formatTime(c.job.finishedAt ?? Date.now())}.`); loadVersions(); }
  });
  return off;
};
