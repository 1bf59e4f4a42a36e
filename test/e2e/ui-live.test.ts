// The analyst's view in a real Chromium against a real server fed by the capture pipeline and the
// detection engine: login, the live chart, the incident in the feed, its evidence card, an
// acknowledgement seen by a second analyst, packet text that stays text, and the disconnect banner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { InfluxAnomalyWriter, InfluxHistory, startServer, type StartedServer } from '../../server/index.ts';
import { anomalyToPoint, connectStore, InfluxReader, InfluxWriter, windowStatsToPoints } from '../../store/index.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';
import type { WindowStats } from '../../capture/index.ts';
import { buildUi } from '../../ui/index.ts';
import { launchBrowser, saveScreenshot, type BrowserSession } from '../helpers/browser.ts';
import { buildScenario, INCIDENT_HOST, SENSOR, XSS_NAME, type Scenario } from './ui-scenario.ts';
import { DRILL_DATASET, scenarioRegistry, scenarioReplays } from './ui-standins.ts';

const XSS_TEXT = '<img src=x onerror=window.__xss=1>';
/** generous: the suite shares two cores with everything else */
const WAIT = { timeout: 20_000 };
/** windows already in the store and the server's memory when the first page opens */
const PRELOADED = 560;

let scenario: Scenario;
let server: StartedServer;
let port = 0;
let varDir: string;
let uiDir: string;
let browser: BrowserSession;
let pageA: Page;
let pageB: Page;
const tokens = { ana: '', bob: '', root: '', vic: '' };
let sent = 0;
let registry: ReturnType<typeof scenarioRegistry>;
let db: FreshDatabase;
let writer: InfluxWriter;
let reader: InfluxReader;

function feedWindow(w: WindowStats): void {
  const feed = server.app.spanwatch.feed;
  writer.write(windowStatsToPoints(w));
  feed.window(w);
  feed.health({
    sensor: SENSOR, lastSeen: Date.now(), packetsPerSecond: w.health.packetsSeen / (w.durationMs / 1000), health: w.health,
    storeBacklog: 0, modelVersion: scenario.modelVersion,
  });
}

/** Sends windows up to (not including) `end`, with their anomalies, pausing between them. */
async function feedUntil(end: number, pauseMs: number): Promise<void> {
  for (; sent < end; sent++) {
    feedWindow(scenario.windows[sent]!);
    for (const a of scenario.anomaliesAfter[sent]!) {
      writer.write([anomalyToPoint(a)]);
      server.app.spanwatch.feed.anomaly(a);
    }
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

async function start(): Promise<void> {
  server = await startServer({
    varDir, uiDir, port, host: '127.0.0.1', announceToken: () => undefined, models: registry, replays: scenarioReplays(scenario),
    history: new InfluxHistory(reader), anomalyWriter: new InfluxAnomalyWriter(writer),
  });
  port = Number(new URL(server.url).port);
}

async function login(page: Page, token: string): Promise<void> {
  await page.goto(`${server.url}/#/live`);
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#who .user').waitFor();
  await page.locator('body[data-stream="open"]').waitFor();
}

async function noScriptRan(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  expect(await page.locator('img').count()).toBe(0);
}

beforeAll(async () => {
  varDir = await mkdtemp(join(tmpdir(), 'spanwatch-ui-e2e-'));
  uiDir = join(varDir, 'ui');
  await buildUi(uiDir);
  // event time close to the wall clock, so the live chart shows "now"
  scenario = await buildScenario(Math.floor((Date.now() - 620_000) / 1000) * 1000, varDir);
  registry = scenarioRegistry(scenario);
  db = await freshDatabase('ui_e2e');
  const conn = await connectStore({ url: db.url, database: db.name });
  writer = new InfluxWriter({ endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies, spoolDir: join(varDir, 'spool') });
  reader = new InfluxReader(conn);
  await start();
  const users = server.app.spanwatch.users;
  tokens.ana = users.add('ana', 'analyst');
  tokens.bob = users.add('bob', 'analyst');
  tokens.root = users.add('root', 'admin');
  tokens.vic = users.add('vic', 'viewer');
  await feedUntil(PRELOADED, 0);
  await writer.flush();
  browser = await launchBrowser();
  pageA = await browser.newPage();
  pageB = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await writer?.close();
  await db?.drop();
  if (varDir) await rm(varDir, { recursive: true, force: true });
});

describe('the analyst view in Chromium', () => {
  it('logs in with a pasted token, kept out of the URL', async () => {
    await login(pageA, tokens.ana);
    await expect.poll(() => pageA.locator('#who').textContent(), WAIT).toContain('ana');
    expect(await pageA.locator('#who .role').textContent()).toBe('analyst');
    expect(pageA.url()).not.toContain(tokens.ana);
    expect(await pageA.evaluate(() => sessionStorage.getItem('spanwatch.token'))).toBe(tokens.ana);
    await login(pageB, tokens.bob);
  });

  it('refuses a wrong token with a message', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.locator('#token').fill('sw_not-a-real-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.locator('form.login .error').textContent(), WAIT).toMatch(/401/);
    await page.close();
  });

  it('draws the live chart and advances it with every window', async () => {
    await pageA.goto(`${server.url}/#/live`);
    const box = pageA.locator('figure[data-chart="bytes"]');
    await expect.poll(async () => Number(await box.getAttribute('data-points')), WAIT).toBeGreaterThan(200);
    const before = Number(await box.getAttribute('data-last-window'));
    expect(before).toBe(scenario.windows[PRELOADED - 1]!.start);
    const pathBefore = await pageA.locator('figure[data-chart="bytes"] path.series-outbound').getAttribute('d');
    await feedUntil(PRELOADED + 15, 40);
    await expect.poll(async () => Number(await box.getAttribute('data-last-window')), WAIT).toBe(scenario.windows[PRELOADED + 14]!.start);
    expect(await pageA.locator('figure[data-chart="bytes"] path.series-outbound').getAttribute('d')).not.toBe(pathBefore);
    expect(await pageA.locator('figure[data-chart="packets"] path.series-inbound').count()).toBe(1);
    // the live model's expected range lies behind the observed lines
    const band = pageA.locator('figure[data-chart="bytes"] path.expected-band.expected-outbound');
    await expect.poll(async () => (await band.count()) ? (await band.getAttribute('d')) ?? '' : '', WAIT).toMatch(/^M[\d.-]+,[\d.-]+.*Z$/);
    expect(await pageA.locator('figure[data-chart="packets"] path.expected-band').count()).toBe(3);
    await saveScreenshot(pageA, 'live');
  });

  it('zooms into stored history with a brush and goes back to live', async () => {
    await writer.flush();
    const figure = pageA.locator('figure[data-chart="bytes"]');
    const overlay = pageA.locator('figure[data-chart="bytes"] g.brush rect.overlay');
    const box = (await overlay.boundingBox())!;
    const y = box.y + box.height / 2;
    await pageA.mouse.move(box.x + box.width * 0.5, y);
    await pageA.mouse.down();
    await pageA.mouse.move(box.x + box.width * 0.7, y, { steps: 5 });
    await pageA.mouse.up();
    await pageA.locator('section.traffic[data-mode="history"]').waitFor();
    const status = pageA.locator('section.traffic .controls span[aria-live]');
    await expect.poll(() => status.textContent(), WAIT).toMatch(/^history .* at 1s \(\d+ windows\)$/);
    const [from, to] = [Number(await figure.getAttribute('data-from')), Number(await figure.getAttribute('data-to'))];
    const expected = scenario.windows.slice(0, sent).filter((w) => w.start >= from && w.start < to).length;
    expect(expected).toBeGreaterThan(10);
    expect(await status.textContent()).toContain(`(${expected} windows)`);
    await saveScreenshot(pageA, 'live-history');
    // a preset range
    await pageA.getByRole('button', { name: '6 h' }).click();
    // one-minute roll-ups from the store, or, while the store has none for the range, its last hour at 1 s
    await expect.poll(() => status.textContent(), WAIT).toMatch(/^history .* at (1m \(\d+ windows\)$|1s \([1-9]\d* windows\); no 1m roll-ups stored)/);
    await pageA.getByRole('button', { name: 'Back to live' }).click();
    await pageA.locator('section.traffic[data-mode="live"]').waitFor();
  });

  it('shows the incident in the feed within a second of its window arriving', async () => {
    expect(scenario.spikeAt, 'the detection engine flags the outbound burst as a spike').toBeGreaterThanOrEqual(scenario.incidentStart);
    await feedUntil(scenario.spikeAt, 0);
    await pageA.goto(`${server.url}/#/anomalies`);
    await pageB.goto(`${server.url}/#/anomalies`);
    await pageA.locator('ol.feed').waitFor({ state: 'attached' });
    const incident = scenario.anomaliesAfter[scenario.spikeAt]!.find((a) => a.kind === 'outbound-spike');
    expect(incident, 'the detection engine flags the outbound burst').toBeDefined();
    await feedUntil(scenario.spikeAt + 1, 0);
    const incidentId = server.app.spanwatch.book.get(incident!.id)!.incidentId!;
    const row = pageA.locator(`a.feed-row[data-id="${incidentId}"]`);
    await row.waitFor({ timeout: 1000 });
    const listed = (await server.app.inject({ url: `/api/v1/incidents/${encodeURIComponent(incidentId)}`, headers: { authorization: `Bearer ${tokens.ana}` } })).json();
    expect(await row.getAttribute('data-level')).toBe(listed.incident.level);
    expect(await row.locator('.c-kind').textContent()).toContain('outbound-spike');
    expect(await row.locator('.c-subject').textContent()).toContain(INCIDENT_HOST);
    expect(await row.locator('.c-status').textContent()).toBe('open');
    // high or critical and not yet opened: it stands out
    if (['high', 'critical'].includes(listed.incident.headline.level)) {
      expect(await row.getAttribute('class')).toContain('unseen');
      expect(await pageA.locator('#unseen-count').textContent()).toMatch(/unseen/);
    }
    await feedUntil(scenario.windows.length, 0);
    await saveScreenshot(pageA, 'scenario-feed');
  });

  it('opens the evidence card from the keyboard and shows observed against expected', async () => {
    const incident = scenario.anomaliesAfter[scenario.spikeAt]!.find((a) => a.kind === 'outbound-spike')!;
    const row = pageA.locator(`a.feed-row[data-id="${server.app.spanwatch.book.get(incident.id)!.incidentId}"]`);
    await row.focus();
    await pageA.keyboard.press('Enter');
    await pageA.waitForURL(/#\/incident\//);
    // the incident lists its findings; the outbound burst is one of them
    await pageA.locator(`table[aria-label="Findings in this incident"] tr[data-finding="${incident.id}"] a`).click();
    await expect.poll(() => pageA.locator('table[aria-label="Findings in this incident"] tr.selected').getAttribute('data-finding'), WAIT).toBe(incident.id);
    await expect.poll(() => pageA.locator('#observed-value').textContent(), WAIT).toMatch(/kB\/s/);
    const latest = server.app.spanwatch.book.get(incident.id)!;
    const observedKb = (latest.observed.value / 1000).toFixed(0);
    expect(await pageA.locator('#observed-value').textContent()).toContain(observedKb);
    expect(await pageA.locator('#expected-range').textContent()).toContain((latest.expected.high / 1000).toFixed(1));
    expect(await pageA.locator('#model-version').textContent()).toBe(scenario.modelVersion);
    expect(await pageA.locator('#maturity').textContent()).toMatch(/%$/);
    // the band, the observed line and the contributions are drawn
    expect(await pageA.locator('section[aria-label="Observed versus expected"] rect.band').count()).toBe(1);
    expect(await pageA.locator('section[aria-label="Contributing features"] g.bar').count()).toBe(latest.contributions.length);
    expect(await pageA.locator('section[aria-label="Top remote endpoints"] td').first().textContent()).toBeTruthy();
    // the HTML in the DNS name is shown as text and runs nothing
    await expect.poll(() => pageA.locator('td.dns-name').allTextContents(), WAIT).toContain(XSS_NAME);
    await noScriptRan(pageA);
    // opened: no longer unseen
    expect(await pageA.evaluate((id) => JSON.parse(sessionStorage.getItem('spanwatch.seen') ?? '[]').includes(id), incident.id)).toBe(true);
    await saveScreenshot(pageA, 'scenario-evidence');
  });

  it('acknowledging changes the status for a second analyst and adds an audit entry', async () => {
    const incident = scenario.anomaliesAfter[scenario.spikeAt]!.find((a) => a.kind === 'outbound-spike')!;
    const incidentId = server.app.spanwatch.book.get(incident.id)!.incidentId!;
    const rowB = pageB.locator(`a.feed-row[data-id="${incidentId}"]`);
    expect(await rowB.getAttribute('data-status')).toBe('open');
    await pageA.locator('button[data-action="acknowledge"]').click();
    await expect.poll(() => pageA.locator('section[aria-label="Actions"] p[role="status"]').textContent(), WAIT).toBe('Acknowledge: done');
    await expect.poll(() => rowB.getAttribute('data-status'), WAIT).toBe('acknowledged');
    expect(await rowB.locator('.c-status').textContent()).toBe('acknowledged');
    await expect.poll(() => pageA.locator('#anomaly-status').textContent(), WAIT).toBe('acknowledged');
    await expect.poll(() => pageA.locator('table.audit tr[data-action="incident.acknowledge"]').count(), WAIT).toBe(1);
    expect(await pageA.locator('table.audit tr[data-action="incident.acknowledge"]').textContent()).toContain('ana');
    const entries = await server.app.spanwatch.audit.entries({ target: `incident:${incidentId}` });
    expect(entries.map((e) => [e.user, e.action])).toContainEqual(['ana', 'incident.acknowledge']);

    // a note with HTML in it, through the server and back as text
    await pageA.locator('#action-note').fill(XSS_TEXT);
    await pageA.locator('button[data-action="comment"]').click();
    await expect.poll(() => pageA.locator('table.audit tr[data-action="incident.comment"]').textContent(), WAIT).toContain(XSS_TEXT);
    await noScriptRan(pageA);

    // the second analyst opens it and sees the history
    await rowB.click();
    await expect.poll(() => pageB.locator('table.audit tr').count(), WAIT).toBeGreaterThanOrEqual(3);
    expect(await pageB.locator('#anomaly-status').textContent()).toBe('acknowledged');
  });

  it('reaches feed rows with Tab, and shows a viewer no actions', async () => {
    const incident = scenario.anomaliesAfter[scenario.spikeAt]!.find((a) => a.kind === 'outbound-spike')!;
    const viewer = await browser.newPage();
    await login(viewer, tokens.vic);
    await viewer.goto(`${server.url}/#/anomalies`);
    await viewer.locator('a.feed-row').first().waitFor();
    // from the last control, Tab goes straight into the feed, newest first
    await viewer.getByRole('button', { name: 'Export CSV' }).focus();
    await viewer.keyboard.press('Tab');
    const focused = await viewer.evaluate(() => ({ cls: document.activeElement?.className ?? '', id: (document.activeElement as HTMLElement | null)?.dataset.id }));
    expect(focused.cls).toContain('feed-row');
    const newest = await viewer.locator('a.feed-row').first().getAttribute('data-id');
    expect(focused.id).toBe(newest);
    await viewer.goto(`${server.url}/#/anomaly/${encodeURIComponent(incident.id)}`);
    await expect.poll(() => viewer.locator('section[aria-label="Actions"]').textContent(), WAIT).toContain('can view but not act');
    expect(await viewer.locator('button[data-action]').count()).toBe(0);
    await viewer.close();
  });

  it('shows a host named with HTML as text', async () => {
    await pageA.goto(`${server.url}/#/host/${encodeURIComponent(XSS_TEXT)}`);
    await expect.poll(() => pageA.locator('h1 .subject').textContent(), WAIT).toBe(XSS_TEXT);
    await noScriptRan(pageA);
    await pageA.goto(`${server.url}/#/host/${encodeURIComponent(INCIDENT_HOST)}`);
    await pageA.locator('section[aria-label="Outbound baseline"] svg path.series-out').waitFor();
    expect(await pageA.locator('section[aria-label="Outbound baseline"] svg path.expected-band.expected-out').getAttribute('d')).toMatch(/^M.*Z$/);
    await saveScreenshot(pageA, 'host');
  });

  it('renders the top talkers and the sensor health', async () => {
    await pageA.goto(`${server.url}/#/hosts`);
    await expect.poll(() => pageA.locator('section[aria-label="Top talkers now"] table a').allTextContents(), WAIT).toContain(INCIDENT_HOST);
    await pageA.getByRole('button', { name: 'Last hour' }).click();
    await expect.poll(() => pageA.locator('section[aria-label="Top talkers over a range"] table a').allTextContents(), WAIT).toContain(INCIDENT_HOST);
    await saveScreenshot(pageA, 'hosts');
    await pageA.goto(`${server.url}/#/health`);
    const row = pageA.locator(`tr[data-sensor="${SENSOR}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(scenario.modelVersion);
    await saveScreenshot(pageA, 'health');
  });

  it('replays a dataset into its own view, one row per incident of the replay, without touching live incidents', async () => {
    const incident = scenario.anomaliesAfter[scenario.spikeAt]!.find((a) => a.kind === 'outbound-spike')!;
    await pageA.goto(`${server.url}/#/replay`);
    await expect.poll(() => pageA.locator('#replay-dataset option').allTextContents(), WAIT).toContainEqual(expect.stringContaining(DRILL_DATASET));
    await pageA.locator('#replay-speed').selectOption('60');
    await pageA.getByRole('button', { name: 'Start replay' }).click();
    await expect.poll(() => pageA.locator('.replay-stage').getAttribute('data-channel'), WAIT).toMatch(/^replay:/);
    const channel = (await pageA.locator('.replay-stage').getAttribute('data-channel'))!;
    const replayId = channel.slice('replay:'.length);
    await expect.poll(() => server.app.spanwatch.replays!.get(replayId)!.state, { timeout: 60_000 }).toBe('done');
    // the server's book for this replay decides the rows: one per incident, each holding its findings
    const incidents = server.app.spanwatch.replays!.incidents(replayId)!;
    const sent = server.app.spanwatch.hub.channelBacklog(channel).map((m) => m.message).filter((m) => m.type === 'anomaly');
    expect(incidents.length).toBeGreaterThan(0);
    expect(new Set(sent.map((m) => (m as { data: { id: string } }).data.id)).size).toBeGreaterThanOrEqual(incidents.length);
    const rows = pageA.locator('.replay-stage a.feed-row');
    await expect.poll(() => rows.evaluateAll((as) => as.map((a) => a.getAttribute('data-id'))), WAIT).toEqual(incidents.map((i) => i.id));
    const spike = incidents.find((i) => i.kinds.includes('outbound-spike') && i.hosts.includes(INCIDENT_HOST))!;
    const replayRow = pageA.locator(`.replay-stage a.feed-row[data-id="${spike.id}"]`);
    expect(await replayRow.getAttribute('data-findings')).toBe(String(spike.findings));
    // in the replay the incident is fresh; in live it stays acknowledged
    expect(await replayRow.getAttribute('data-status')).toBe('open');
    expect(await replayRow.textContent()).toContain(INCIDENT_HOST);
    expect(Number(await pageA.locator('.replay-stage figure[data-chart="bytes"]').getAttribute('data-points'))).toBeGreaterThan(0);
    await saveScreenshot(pageA, 'replay');
    // its card is the headline finding's, from the replay, with nothing to act on
    await replayRow.click();
    await expect.poll(() => pageA.locator('section[aria-label="Actions"]').textContent(), WAIT).toContain('training replay');
    expect(await pageA.locator('#anomaly-status').textContent()).toBe('open');
    expect(await pageA.locator('button[data-action]').count()).toBe(0);
    await pageA.goto(`${server.url}/#/anomalies`);
    const incidentId = server.app.spanwatch.book.get(incident.id)!.incidentId!;
    await expect.poll(() => pageA.locator(`a.feed-row[data-id="${incidentId}"]`).getAttribute('data-status'), WAIT).toBe('acknowledged');
  });

  it('lets an admin retrain, watch progress, compare and promote', async () => {
    expect(await pageA.locator('nav a[data-route="training"]').count()).toBe(0);
    const admin = await browser.newPage();
    await login(admin, tokens.root);
    await admin.goto(`${server.url}/#/training`);
    const first = scenario.windows[0]!.start;
    await admin.locator('#train-from').fill(new Date(first - 60_000).toISOString().slice(0, 16));
    await admin.locator('#train-to').fill(new Date(Date.now() + 120_000).toISOString().slice(0, 16));
    await admin.getByRole('button', { name: 'Start retrain' }).click();
    const finished = admin.locator('li[data-state="done"], li[data-state="failed"]');
    await finished.waitFor({ timeout: 90_000 });
    const outcome = await finished.evaluate((li) => ({ state: li.getAttribute('data-state'), text: li.textContent }));
    expect(outcome.state, outcome.text ?? '').toBe('done');
    const table = admin.locator('table[aria-label="Model versions and metrics"]');
    await expect.poll(() => table.locator('tbody tr').count(), WAIT).toBe(2);
    expect(await table.locator('thead').textContent()).toContain('incidentWindowsFlagged');
    await saveScreenshot(admin, 'training');
    await table.getByRole('button', { name: 'Promote' }).click();
    await expect.poll(() => table.locator('tbody tr.live th').textContent(), WAIT).toContain('-retrained');
    expect(registry.versions.find((v) => v.live)!.version).toMatch(/-retrained$/);
    await table.locator('tbody tr.live').getByRole('button', { name: 'Roll back' }).click();
    await expect.poll(() => table.locator('tbody tr.live th').textContent(), WAIT).toContain(scenario.modelVersion);
    await admin.close();
  }, 150_000);

  it('shows the disconnect banner when the server stops and clears it when it returns', async () => {
    await pageA.goto(`${server.url}/#/live`);
    await pageA.locator('body[data-stream="open"]').waitFor();
    expect(await pageA.locator('#banner').isHidden()).toBe(true);
    await server.close();
    await pageA.locator('#banner').waitFor({ state: 'visible' });
    expect(await pageA.locator('#banner').textContent()).toMatch(/disconnected/i);
    await saveScreenshot(pageA, 'disconnected');
    await start();
    await pageA.locator('#banner').waitFor({ state: 'hidden', timeout: 20_000 });
    expect(await pageA.evaluate(() => document.body.dataset.stream)).toBe('open');
    // and the live view carries on with the new server's windows
    const box = pageA.locator('figure[data-chart="bytes"]');
    const next = structuredClone(scenario.windows[scenario.windows.length - 1]!);
    next.start += next.durationMs;
    server.app.spanwatch.feed.window(next);
    await expect.poll(async () => Number(await box.getAttribute('data-last-window')), WAIT).toBe(next.start);
    // no script errors and no Content-Security-Policy violations anywhere in the run
    expect(browser.problems.filter((p) => p.startsWith('pageerror') || /Content Security Policy/i.test(p))).toEqual([]);
  });
});
