// An analyst on a replayed labelled dataset, in a real Chromium against the real product:
// `spanwatch generate --preset test`, `spanwatch train` on its normal days, then `spanwatch serve
// --sensor --pcap` replaying the incident day into InfluxDB and the server. The feed shows one row
// per incident; the exfiltration's card names its host and lists its findings; search by IP and
// CIDR finds it and the URL restores the filters; the case download is audited; a verdict survives
// stopping the server and starting it again (which replays and re-detects the same day); at 800 px
// nothing overflows. Everything started here is stopped, pass or fail.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyView, AuditEntry, IncidentView } from '../../server/index.ts';
import { buildUi } from '../../ui/index.ts';
import { launchBrowser, saveScreenshot, type BrowserSession } from '../helpers/browser.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';

const SPANWATCH = resolve('bin/spanwatch');
const WAIT = { timeout: 30_000 };
const SENSOR = 'lab';

interface Label { id: string; kind: string; host?: string; remote?: string }

let dir: string;
let ds: string;
let varDir: string;
let db: FreshDatabase;
let browser: BrowserSession;
let page: Page;
let server: ChildProcess | null = null;
let serverUrl = '';
let log = '';
let analyst = '';
let labels: { localNets: string[]; incidents: Label[]; iocFile: string; criticalityFile: string };
let exfil: Label;

function spanwatch(args: string[]): string {
  return execFileSync(SPANWATCH, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
}

/** Starts `spanwatch serve` replaying the incident day; resolves once the whole day went through. */
function startServe(): Promise<void> {
  log = '';
  const child = spawn(SPANWATCH, [
    'serve', '--port', '0', '--var', varDir, '--ui-dir', join(dir, 'ui'), '--models', join(dir, 'models'), '--influx', db.url, '--influx-db', db.name,
    '--retention-raw', 'inf', '--retention-1m', 'inf', '--retention-1h', 'inf', '--retention-events', 'inf',
    '--sensor', '--sensor-name', SENSOR, '--speed', 'max', '--pcap', join(ds, 'day-3.pcap'),
    ...labels.localNets.flatMap((n) => ['--local-net', n]),
    '--ioc', join(ds, labels.iocFile), '--criticality', join(ds, labels.criticalityFile),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not finish the replay: ${log}`)), 240_000);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(log);
      if (url) serverUrl = url[1]!;
      if (serverUrl && /capture from .* finished/.test(log)) { clearTimeout(timer); done(); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`serve exited with ${code}: ${log}`)); });
  });
}

async function stopServe(): Promise<void> {
  const child = server;
  server = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${serverUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${analyst}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

async function login(p: Page): Promise<void> {
  await p.goto(`${serverUrl}/#/anomalies`);
  await p.locator('#token').fill(analyst);
  await p.getByRole('button', { name: 'Log in' }).click();
  await p.locator('#who .user').waitFor();
}

/** The feed has loaded the server's answer for the current filters. */
async function feedSettled(p: Page): Promise<void> {
  await p.locator('section[aria-label="Incident feed"][data-loaded]').waitFor(WAIT);
  await expect.poll(() => p.locator('#feed-count').textContent(), WAIT).toMatch(/incident/);
}

async function noHorizontalOverflow(p: Page): Promise<void> {
  const { scroll, client } = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, `page is ${scroll}px wide in a ${client}px window`).toBeLessThanOrEqual(client);
}

const exfilRow = (p: Page) => p.locator('a.feed-row', { has: p.locator('.c-subject', { hasText: exfil.host! }) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spanwatch-incidents-e2e-'));
  ds = join(dir, 'dataset');
  varDir = join(dir, 'var');
  spanwatch(['generate', '--preset', 'test', '--out', ds, '--quiet']);
  labels = JSON.parse(readFileSync(join(ds, 'labels.json'), 'utf8'));
  exfil = labels.incidents.find((l) => l.id === 'exfiltration')!;
  spanwatch(['train', '--pcap', join(ds, 'day-1.pcap'), join(ds, 'day-2.pcap'), ...labels.localNets.flatMap((n) => ['--local-net', n]), '--models', join(dir, 'models'), '--promote']);
  analyst = spanwatch(['user', 'add', 'ana', '--role', 'analyst', '--var', varDir]).trim();
  await buildUi(join(dir, 'ui'));
  db = await freshDatabase('incidents_e2e');
  await startServe();
  browser = await launchBrowser();
  page = await browser.newPage();
  await login(page);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await stopServe();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('incidents in Chromium on a replayed labelled day', () => {
  it('shows one row per incident, not one per finding', async () => {
    const { anomalies } = await api<{ anomalies: AnomalyView[] }>(`/anomalies?sensor=${SENSOR}&limit=500`);
    const incidentIds = new Set(anomalies.map((a) => a.incidentId));
    expect(anomalies.length, 'the day has more findings than incidents').toBeGreaterThan(incidentIds.size);
    await page.goto(`${serverUrl}/#/anomalies`);
    await feedSettled(page);
    await expect.poll(() => page.locator('a.feed-row').count(), WAIT).toBe(incidentIds.size);
    const rowIds = await page.locator('a.feed-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id));
    expect(new Set(rowIds)).toEqual(incidentIds);
    // every incident is shown, so there is nothing older to load
    expect(await page.getByRole('button', { name: 'Load older incidents' }).isHidden()).toBe(true);
    // the labelled exfiltration is one row holding its findings (the upload and the new destination)
    await expect.poll(() => exfilRow(page).count(), WAIT).toBe(1);
    expect(Number(await exfilRow(page).locator('.c-findings').textContent())).toBeGreaterThanOrEqual(2);
    expect(await exfilRow(page).locator('.c-time').textContent()).toMatch(/^\d\d-\d\d \d\d:\d\d:\d\d$/);
    await saveScreenshot(page, 'anomalies');
  });

  it("opens the incident's card: its host, its findings, links to the host and to the packets when kept", async () => {
    await exfilRow(page).click();
    await page.waitForURL(/#\/incident\//);
    const id = decodeURIComponent(page.url().split('#/incident/')[1]!.split('?')[0]!);
    const detail = await api<{ incident: IncidentView; findings: AnomalyView[] }>(`/incidents/${encodeURIComponent(id)}`);
    await expect.poll(() => page.locator('#observed-value').textContent(), WAIT).toBeTruthy();
    expect(await page.locator('h1 .subject').textContent()).toContain(exfil.host!);
    expect(detail.incident.hosts).toContain(exfil.host);
    const findingRows = page.locator('table[aria-label="Findings in this incident"] tbody tr');
    expect(await findingRows.count()).toBe(detail.findings.length);
    expect(new Set(await findingRows.evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.finding)))).toEqual(new Set(detail.findings.map((f) => f.id)));
    expect(detail.findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['outbound-spike', 'new-destination']));
    expect(await page.locator(`a[data-host-link="${exfil.host}"]`).getAttribute('href')).toBe(`#/host/${exfil.host}`);
    // the evidence line is drawn from the stored windows, not replaced by "no stored windows"
    expect(await page.locator('section[aria-label="Observed versus expected"]').textContent()).not.toContain('No stored windows');
    const withPcap = detail.findings.some((f) => Boolean((f as { evidence?: { pcap?: unknown } }).evidence?.pcap ?? (f as { pcap?: unknown }).pcap));
    expect(await page.getByRole('button', { name: 'Download pcap' }).count()).toBe(withPcap ? 1 : 0);
    await saveScreenshot(page, 'evidence');
  });

  it("lists a scan's targets and ports on its card", async () => {
    const scan = labels.incidents.find((l) => l.id === 'scan-vertical')!;
    await page.goto(`${serverUrl}/#/anomalies?q=${encodeURIComponent(scan.host!)}&kind=scan`);
    await feedSettled(page);
    await page.locator('a.feed-row').first().click();
    await page.waitForURL(/#\/incident\//);
    const card = page.locator('section[aria-label="Scan targets and ports"]');
    await card.waitFor(WAIT);
    expect(await card.locator('#scan-targets').textContent()).toContain(scan.remote);
    const ports = await card.locator('dt', { hasText: 'Ports' }).textContent();
    expect(Number(/\((\d+)\)/.exec(ports ?? '')?.[1])).toBeGreaterThan(100);
  });

  it('downloads the case file of the incident and the audit log records it', async () => {
    await page.goto(`${serverUrl}/#/anomalies`);
    await feedSettled(page);
    await exfilRow(page).click();
    await page.waitForURL(/#\/incident\//);
    const id = decodeURIComponent(page.url().split('#/incident/')[1]!.split('?')[0]!);
    await page.locator('table[aria-label="Findings in this incident"] tr.selected').waitFor(WAIT);
    const shown = await page.locator('table[aria-label="Findings in this incident"] tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.finding));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download case' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^case-inc-.*\.json$/);
    const file = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { incident: IncidentView; findings: AnomalyView[]; exportedBy: string; auditChain: { ok: boolean } };
    expect(file.incident.id).toBe(id);
    expect(new Set(file.findings.map((f) => f.id))).toEqual(new Set(shown));
    expect(file.exportedBy).toBe('ana');
    expect(file.auditChain.ok).toBe(true);
    const audit = await api<{ entries: AuditEntry[] }>(`/audit?target=${encodeURIComponent(`incident:${id}`)}`);
    expect(audit.entries.map((e) => [e.user, e.action])).toContainEqual(['ana', 'case.export']);
    // the card's audit history shows the export without a reload
    await page.locator('table.audit tr[data-action="case.export"]').first().waitFor(WAIT);
  });

  it('finds the incident by IP and by CIDR, and the URL restores the filters on reload', async () => {
    await page.goto(`${serverUrl}/#/anomalies`);
    await feedSettled(page);
    const all = await page.locator('a.feed-row').count();
    await page.locator('#feed-search').fill(exfil.host!);
    await page.locator('#feed-search').press('Enter');
    await expect.poll(() => page.locator('a.feed-row').count(), WAIT).toBeLessThan(all);
    expect(await page.locator('a.feed-row').count()).toBe(1);
    expect(await exfilRow(page).count()).toBe(1);
    expect(page.url()).toContain(`q=${encodeURIComponent(exfil.host!)}`);
    await page.locator('label.field', { hasText: 'Status' }).locator('select').selectOption('open');
    await expect.poll(() => page.url(), WAIT).toContain('status=open');
    await page.reload();
    await feedSettled(page);
    expect(await page.locator('#feed-search').inputValue()).toBe(exfil.host);
    expect(await page.locator('label.field', { hasText: 'Status' }).locator('select').inputValue()).toBe('open');
    await expect.poll(() => page.locator('a.feed-row').count(), WAIT).toBe(1);
    // a prefix finds every incident with an address inside it
    await page.locator('#feed-search').fill('198.51.100.0/24');
    await page.locator('#feed-search').press('Enter');
    await expect.poll(() => exfilRow(page).count(), WAIT).toBe(1);
    const subjects = await page.locator('a.feed-row .c-subject').allTextContents();
    expect(subjects.every((s) => /198\.51\.100\.\d+/.test(s))).toBe(true);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.locator('a.feed-row').count(), WAIT).toBe(all);
    await saveScreenshot(page, 'incidents-search');
    // from the host's page, its incidents are one search away
    await page.goto(`${serverUrl}/#/host/${exfil.host}`);
    await page.locator('#host-incidents').click();
    await expect.poll(() => page.locator('#feed-search').inputValue(), WAIT).toBe(exfil.host);
    await feedSettled(page);
    await expect.poll(() => page.locator('a.feed-row').count(), WAIT).toBe(1);
    expect(await exfilRow(page).count()).toBe(1);
  });

  it('keeps a false-positive verdict through a server restart that re-detects the same day', async () => {
    await exfilRow(page).click();
    await page.waitForURL(/#\/incident\//);
    const id = decodeURIComponent(page.url().split('#/incident/')[1]!.split('?')[0]!);
    await page.locator('button[data-action="acknowledge"]').click();
    await expect.poll(() => page.locator('#anomaly-status').textContent(), WAIT).toBe('acknowledged');
    await page.locator('button[data-action="false-positive"]').click();
    await expect.poll(() => page.locator('#anomaly-status').textContent(), WAIT).toBe('false-positive');

    await stopServe();
    await startServe();
    await login(page);
    await feedSettled(page);
    const row = page.locator(`a.feed-row[data-id="${id}"]`);
    await expect.poll(() => row.getAttribute('data-status'), WAIT).toBe('false-positive');
    const detail = await api<{ incident: IncidentView; findings: AnomalyView[]; audit: AuditEntry[] }>(`/incidents/${encodeURIComponent(id)}`);
    expect(detail.incident.status).toBe('false-positive');
    expect(detail.findings.every((f) => f.status === 'false-positive')).toBe(true);
    // the re-detection changed nothing, so the log holds what the analyst did (the case export of an
    // earlier test, the two actions) and nothing else
    expect(detail.audit.map((e) => [e.user, e.action, e.details?.to])).toEqual([
      ['ana', 'case.export', undefined], ['ana', 'incident.acknowledge', 'acknowledged'], ['ana', 'incident.false-positive', 'false-positive'],
    ]);
  }, 360_000);

  it("anchors the live view's history to the replayed day, not the wall clock", async () => {
    await page.goto(`${serverUrl}/#/live`);
    await page.locator('section.traffic figure[data-chart="bytes"]').waitFor(WAIT);
    await page.getByRole('button', { name: '24 h' }).click();
    const status = page.locator('section.traffic .controls span[aria-live]');
    await expect.poll(() => status.textContent(), WAIT).toMatch(/^history 2024-.* \((\d+) windows\)/);
    expect(Number(/\((\d+) windows\)/.exec((await status.textContent()) ?? '')?.[1])).toBeGreaterThan(100);
    // the range ends on the day that was replayed (2024), which the time picker shows
    expect(await page.locator('#history-end').inputValue()).toMatch(/^2024-/);
  });

  it('is usable at 800 px: no horizontal overflow on the feed or the card', async () => {
    await page.setViewportSize({ width: 800, height: 900 });
    await page.goto(`${serverUrl}/#/anomalies`);
    await feedSettled(page);
    await noHorizontalOverflow(page);
    await saveScreenshot(page, 'incidents-800');
    await exfilRow(page).click();
    await expect.poll(() => page.locator('#observed-value').textContent(), WAIT).toBeTruthy();
    await page.locator('section[aria-label="Observed versus expected"] svg').waitFor();
    await noHorizontalOverflow(page);
    await saveScreenshot(page, 'evidence-800');
    await page.goto(`${serverUrl}/#/hosts`);
    await page.getByRole('button', { name: 'Last 24 h' }).click();
    await page.locator('section[aria-label="Top talkers over a range"] table').waitFor(WAIT);
    await noHorizontalOverflow(page);
    // "by bytes sent" means sorted by bytes sent
    const sent = await page.locator('section[aria-label="Top talkers over a range"] tbody tr td:nth-child(2)').allTextContents();
    const bytes = sent.map((s) => { const [n, u] = s.split(' '); return Number(n) * ({ B: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 } as Record<string, number>)[u!]!; });
    expect(bytes.length).toBeGreaterThan(2);
    expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
    expect(browser.problems.filter((p) => p.startsWith('pageerror') || /Content Security Policy/i.test(p))).toEqual([]);
  });
});
