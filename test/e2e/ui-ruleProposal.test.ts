// "Propose rule" on the evidence card, in a real Chromium against a real server: the analyst marks
// a new-destination anomaly false positive, edits the proposed prefix and accepts the rule; the
// server then holds the suppression, the verdict and the acceptance in its audit log, and marks
// the next anomaly in that prefix suppressed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../../server/index.ts';
import { buildUi } from '../../ui/index.ts';
import { launchBrowser, saveScreenshot, type BrowserSession } from '../helpers/browser.ts';
import { makeAnomaly } from '../unit/server-fixtures.ts';

const WAIT = { timeout: 20_000 };
const ID = 'office-new-destination-e2e-rule';

let varDir: string;
let server: StartedServer;
let browser: BrowserSession;
let analyst = '';

beforeAll(async () => {
  varDir = await mkdtemp(join(tmpdir(), 'spanwatch-ui-rule-'));
  const uiDir = join(varDir, 'ui');
  await buildUi(uiDir);
  server = await startServer({ varDir, uiDir, port: 0, host: '127.0.0.1', announceToken: () => undefined });
  analyst = server.app.spanwatch.users.add('ana', 'analyst');
  const start = Date.now() - 120_000;
  server.app.spanwatch.feed.anomaly(makeAnomaly({
    id: ID, sensor: 'office', kind: 'new-destination', start, end: start + 10_000, peakAt: start,
    subject: { localHost: '10.0.0.7', remote: '198.51.100.23' }, summary: '10.0.0.7 uploaded 12 MB to 198.51.100.23, never seen before',
  }));
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (varDir) await rm(varDir, { recursive: true, force: true });
});

describe('Propose rule on the evidence card', () => {
  it('marks the anomaly false positive, shows the proposed rule, and accepts it as edited', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/#/live`);
    await page.locator('#token').fill(analyst);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#who .user').waitFor(WAIT);
    await page.goto(`${server.url}/#/anomaly/${ID}`);
    await page.locator('#action-note').fill('cloud sync to a new provider block');
    await page.getByRole('button', { name: 'Propose rule' }).click(WAIT);
    await expect.poll(() => page.locator('#rule-prefix').inputValue(), WAIT).toBe('198.51.100.0/24');
    expect(await page.locator('#rule-kind').inputValue()).toBe('new-destination');
    expect(await page.locator('#rule-reason').inputValue()).toBe('false positive: cloud sync to a new provider block');
    expect(await page.locator('#rule-days').inputValue()).toBe('30');
    expect(server.app.spanwatch.suppressions.list()).toEqual([]);

    await page.locator('#rule-prefix').fill('198.51.100.0/25');
    await page.locator('#rule-days').fill('7');
    await saveScreenshot(page, 'rule-proposal');
    await page.getByRole('button', { name: 'Accept rule' }).click();
    await expect.poll(() => page.locator('#rule-status').textContent(), WAIT).toMatch(/^Rule accepted \(/);

    const [rule] = server.app.spanwatch.suppressions.list();
    expect(rule).toMatchObject({ scope: { kind: 'new-destination', prefix: '198.51.100.0/25' }, anomalyId: ID, createdBy: 'ana' });
    expect(rule!.expiresAt - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(rule!.expiresAt - Date.now()).toBeLessThan(7.1 * 86_400_000);
    expect(server.app.spanwatch.book.get(ID)!.status).toBe('false-positive');
    // the verdict acts on the finding's incident; the accepted rule is recorded on the finding
    const incidentId = server.app.spanwatch.book.get(ID)!.incidentId;
    expect(incidentId).toBeTruthy();
    const entries = await server.app.spanwatch.audit.entries();
    const mine = entries.filter((e) => e.target === `anomaly:${ID}` || e.target === `incident:${incidentId}`);
    const actions = mine.map((e) => e.action);
    expect(actions, JSON.stringify(mine)).toEqual(['incident.acknowledge', 'incident.false-positive', 'anomaly.rule-accepted']);

    server.app.spanwatch.feed.anomaly(makeAnomaly({ id: 'next-upload', kind: 'new-destination', subject: { localHost: '10.0.0.8', remote: '198.51.100.99' } }));
    expect(server.app.spanwatch.book.get('next-upload')!.suppressedBy).toBe(rule!.id);
    await page.close();
  });
});
