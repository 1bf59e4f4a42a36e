// The whole product as an operator runs it: `spanwatch train` on a normal capture, `spanwatch
// serve`, and `spanwatch sensor --interface` capturing live on a veth pair whose other end sits in
// a network namespace this test creates; tcpreplay sends a port scan into it and a real Chromium
// watches the incident arrive in the feed. Everything started here is torn down, pass or fail.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter } from '../../capture/index.ts';
import { TCP, tcpFrame, udpFrame, dnsQuery, dnsResponse } from '../../datasets/index.ts';
import type { AnomalyPage } from '../../server/index.ts';
import { launchBrowser, saveScreenshot, type BrowserSession } from '../helpers/browser.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';
import { ChildProcesses } from '../helpers/childProcesses.ts';
import { withoutRoot } from '../helpers/privileges.ts';

const SPANWATCH = resolve('bin/spanwatch');
const LOCAL_NET = '10.77.0.0/24';
const SCANNER = '10.77.0.66';
const TARGET = '10.77.0.5';
const SCAN_PORTS = 400;
const tag = `${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
const NETNS = `swe2e${tag}`;
const CAPTURE_END = `swe${tag}a`;
const SEND_END = `swe${tag}b`;

let dir: string;
let db: FreshDatabase;
let browser: BrowserSession | undefined;
const procs = new ChildProcesses();
let serverUrl = '';

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function spanwatch(args: string[]): string {
  return execFileSync(SPANWATCH, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

/** Ten minutes of a quiet office: DNS then HTTPS from three workstations, timed an hour ago. */
async function writeNormalCapture(path: string): Promise<void> {
  const w = new CaptureFileWriter(path, { format: 'pcap', linkType: 1 });
  const t0 = Math.floor(Date.now() / 1000) - 3600;
  for (let s = 0; s < 600; s++) {
    for (let h = 0; h < 3; h++) {
      const host = `10.77.0.${10 + h}`;
      const remote = `198.51.100.${20 + ((s + h) % 5)}`;
      const sport = 40000 + ((s * 3 + h) % 20000);
      const ns = h * 200_000_000;
      if (s % 10 === h) {
        w.packet(t0 + s, ns, udpFrame({ src: host, dst: '10.77.0.1', sport, dport: 53, payload: dnsQuery({ id: s, name: `www${h}.example.com` }) }));
        w.packet(t0 + s, ns + 1_000_000, udpFrame({ src: '10.77.0.1', dst: host, sport: 53, dport: sport, payload: dnsResponse({ id: s, name: `www${h}.example.com`, answers: [remote] }) }));
      }
      w.packet(t0 + s, ns + 2_000_000, tcpFrame({ src: host, dst: remote, sport, dport: 443, flags: TCP.SYN }));
      w.packet(t0 + s, ns + 3_000_000, tcpFrame({ src: remote, dst: host, sport: 443, dport: sport, flags: TCP.SYN | TCP.ACK }));
      w.packet(t0 + s, ns + 4_000_000, tcpFrame({ src: host, dst: remote, sport, dport: 443, flags: TCP.ACK, payload: 400 }));
      w.packet(t0 + s, ns + 5_000_000, tcpFrame({ src: remote, dst: host, sport: 443, dport: sport, flags: TCP.ACK, payload: 1200 }));
      w.packet(t0 + s, ns + 6_000_000, tcpFrame({ src: host, dst: remote, sport, dport: 443, flags: TCP.FIN | TCP.ACK }));
    }
  }
  await w.close();
}

/** One host probes SCAN_PORTS ports of another; closed ports answer with RST. */
async function writeScanCapture(path: string): Promise<void> {
  const w = new CaptureFileWriter(path, { format: 'pcap', linkType: 1 });
  for (let p = 0; p < SCAN_PORTS; p++) {
    const port = 1000 + p;
    w.packet(0, p * 1_000_000, tcpFrame({ src: SCANNER, dst: TARGET, sport: 50000, dport: port, flags: TCP.SYN }));
    w.packet(0, p * 1_000_000 + 500_000, tcpFrame({ src: TARGET, dst: SCANNER, sport: port, dport: 50000, flags: TCP.RST | TCP.ACK }));
  }
  await w.close();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spanwatch-product-'));
  db = await freshDatabase('product');
  await writeNormalCapture(join(dir, 'normal.pcap'));
  await writeScanCapture(join(dir, 'scan.pcap'));
  const models = join(dir, 'models');
  spanwatch(['train', '--pcap', join(dir, 'normal.pcap'), '--local-net', LOCAL_NET, '--models', models, '--promote', '--epochs', '3']);

  sh('ip', ['netns', 'add', NETNS]);
  sh('ip', ['link', 'add', CAPTURE_END, 'type', 'veth', 'peer', 'name', SEND_END, 'netns', NETNS]);
  sh('sysctl', ['-qw', `net.ipv6.conf.${CAPTURE_END}.disable_ipv6=1`]);
  sh('ip', ['link', 'set', CAPTURE_END, 'up']);
  sh('ip', ['netns', 'exec', NETNS, 'ip', 'link', 'set', SEND_END, 'up']);

  const varDir = join(dir, 'var');
  const admin = spanwatch(['user', 'add', 'soc', '--role', 'admin', '--var', varDir]).trim();
  const sensorToken = spanwatch(['user', 'add', 'span1', '--role', 'sensor', '--var', varDir]).trim();
  const store = ['--influx', db.url, '--influx-db', db.name];
  const listening = (await procs.start('serve', SPANWATCH, ['serve', '--port', '0', '--var', varDir, '--models', models, ...store], /listening on (http:\/\/\S+)/)).match;
  serverUrl = listening[1]!;
  await procs.start('sensor', SPANWATCH, [
    'sensor', '--interface', CAPTURE_END, '--sensor', 'span1', '--local-net', LOCAL_NET, '--model', 'latest', '--models', models,
    '--server', serverUrl, '--server-token', sensorToken, '--spool-dir', join(dir, 'spool'), ...store,
  ], /capturing on/i);
  browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`${serverUrl}/#/anomalies`);
  await page.locator('#token').fill(admin);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('body[data-stream="open"]').waitFor();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await procs.stopAll();
  try { sh('ip', ['link', 'del', CAPTURE_END]); } catch { /* already gone with the namespace */ }
  try { sh('ip', ['netns', 'del', NETNS]); } catch { /* never created */ }
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(withoutRoot('the product end to end on a veth pair and a network namespace it creates'))('the product end to end: live capture → model → server → browser', () => {
  it('shows a port scan replayed onto the SPAN veth in the analyst feed', async () => {
    const page = browser!.context.pages().at(-1)!;
    sh('ip', ['netns', 'exec', NETNS, 'tcpreplay', '-i', SEND_END, '--pps', '400', join(dir, 'scan.pcap')]);
    const row = page.locator('a.feed-row', { hasText: 'scan' }).first();
    await row.waitFor({ timeout: 30_000 }).catch((err: unknown) => {
      throw new Error(`no scan in the feed (${(err as Error).message})\nsensor: ${procs.logs.sensor}\nserve: ${procs.logs.serve}`);
    });
    expect(await row.locator('.c-subject').textContent()).toContain(SCANNER);
    await saveScreenshot(page, 'product-live-scan');

    // the API lists the same incident
    const token = await page.evaluate(() => sessionStorage.getItem('spanwatch.token'));
    const res = await fetch(`${serverUrl}/api/v1/anomalies?kind=scan`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = await res.json() as AnomalyPage;
    expect(body.anomalies.some((a) => a.kind === 'scan' && [a.subject.localHost, a.subject.remote].includes(SCANNER))).toBe(true);
  }, 90_000);

  it('stored every replayed packet: the windows read back from InfluxDB count exactly what tcpreplay sent', async () => {
    const page = browser!.context.pages().at(-1)!;
    const token = await page.evaluate(() => sessionStorage.getItem('spanwatch.token'));
    const from = Date.now() - 10 * 60_000;
    const to = Date.now() + 60_000;
    await expect.poll(async () => {
      const res = await fetch(`${serverUrl}/api/v1/windows?sensor=span1&from=${from}&to=${to}&resolution=1s`, { headers: { authorization: `Bearer ${token}` } });
      const body = await res.json() as { windows: Array<{ directions: Record<string, { packets: number }> }> };
      return body.windows.reduce((n, w) => n + w.directions.internal!.packets, 0);
    }, { timeout: 30_000, interval: 1000 }).toBe(SCAN_PORTS * 2);
  }, 60_000);
});
