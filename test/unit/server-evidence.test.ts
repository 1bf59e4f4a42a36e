// The server's evidence routes on evidence the capture module really wrote (from a real capture):
// the record, the pcap download (role analyst, audited, path-safe), names for addresses, and the
// evidence and ATT&CK techniques in the anomaly's card and case file.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapturePipeline, EvidenceRecorder, PacketRing, evidenceName, openFileSource, type WindowStats } from '../../capture/index.ts';
import { CriticalityMap } from '../../model/index.ts';
import { sharedCapturesDir } from '../helpers/sharedCaptures.ts';
import { makeAnomaly, testServer, type TestServer } from './server-fixtures.ts';

const captures = sharedCapturesDir();
const T0 = 1270661369782;
const ID = 'espn-outbound-spike-1';

describe.skipIf(captures === null)('evidence over the API', () => {
  let srv: TestServer;
  let evidenceDir: string;
  const windows: WindowStats[] = [];

  beforeAll(async () => {
    evidenceDir = mkdtempSync(join(tmpdir(), 'server-evidence-'));
    const ring = new PacketRing({ maxBytes: 8 * 1024 * 1024, windowMs: 120_000 });
    let recorder: EvidenceRecorder | null = null;
    const pipeline = new CapturePipeline({ sensor: 's1', windowMs: 1000, packetRing: ring }, (w) => {
      windows.push(w);
      recorder!.advance();
    });
    recorder = new EvidenceRecorder({ dir: evidenceDir, ring, names: pipeline.names, marginMs: 5000, maxTotalBytes: 1 << 26 });
    recorder.request({ anomalyId: ID, sensor: 's1', hosts: ['172.16.0.122', '205.234.218.129'], start: T0, end: T0 + 1000, peakAt: T0, windowMs: 1000, ongoing: false });
    await pipeline.run(openFileSource([join(captures!, 'benign/chrissanders_http_espn.pcapng')]));
    recorder.finish();
    // a record still being written, as a sensor leaves it until its after-minute has passed
    writeFileSync(join(evidenceDir, 'still-open.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(evidenceDir, `${ID}.json`), 'utf8')), anomalyId: 'still-open', state: 'recording' }));
    const assets = new CriticalityMap({ '172.16.0.122/32': 'high' }, 'test', { '172.16.0.122/32': 'analyst-laptop' });
    srv = await testServer({ evidenceDir, assets });
    for (const w of windows) srv.app.spanwatch.feed.window(w);
    srv.app.spanwatch.feed.anomaly(makeAnomaly({ id: ID, start: T0, end: T0 + 1000, subject: { localHost: '172.16.0.122', remote: '205.234.218.129' } }));
  });
  afterAll(async () => {
    await srv?.cleanup();
    rmSync(evidenceDir, { recursive: true, force: true });
  });

  it('serves the evidence record to viewers, and with the anomaly', async () => {
    const r = await srv.app.inject({ url: `/api/v1/anomalies/${ID}/evidence`, headers: srv.auth('viewer') });
    expect(r.statusCode).toBe(200);
    const ev = r.json().evidence;
    expect(ev.state).toBe('complete');
    expect(ev.packets).toBe(956);
    expect(ev.flows.length).toBeGreaterThan(0);
    const card = (await srv.app.inject({ url: `/api/v1/anomalies/${ID}`, headers: srv.auth('viewer') })).json();
    expect(card.evidence.file).toBe(`${ID}.pcap`);
    // the latest answer on the wire for this address was for assets.espn.go.com
    expect(card.anomaly.subject.remoteName).toBe('assets.espn.go.com');
    expect(card.anomaly.subject.localName).toBe('analyst-laptop');
    expect((await srv.app.inject({ url: '/api/v1/anomalies/nope/evidence', headers: srv.auth('viewer') })).statusCode).toBe(404);
  });

  it('lets analysts download the pcap, audited; viewers may not', async () => {
    expect((await srv.app.inject({ url: `/api/v1/anomalies/${ID}/pcap`, headers: srv.auth('viewer') })).statusCode).toBe(403);
    expect((await srv.app.inject({ url: `/api/v1/anomalies/${ID}/pcap` })).statusCode).toBe(401);
    const r = await srv.app.inject({ url: `/api/v1/anomalies/${ID}/pcap`, headers: srv.auth('analyst') });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/vnd.tcpdump.pcap');
    expect(r.headers['content-disposition']).toBe(`attachment; filename="${ID}.pcap"`);
    expect(r.rawPayload.equals(readFileSync(join(evidenceDir, `${ID}.pcap`)))).toBe(true);
    const audit = (await srv.app.inject({ url: `/api/v1/audit?target=anomaly:${ID}`, headers: srv.auth('analyst') })).json();
    const entries = (Array.isArray(audit) ? audit : audit.entries) as { action: string; user: string; details: { packets: number } }[];
    const download = entries.filter((e) => e.action === 'evidence.download');
    expect(download).toHaveLength(1);
    expect(download[0]!.user).toBe('analyst1');
    expect(download[0]!.details.packets).toBe(956);
  });

  it('refuses a pcap still being recorded, and ids that try to leave the directory', async () => {
    expect((await srv.app.inject({ url: '/api/v1/anomalies/still-open/pcap', headers: srv.auth('analyst') })).statusCode).toBe(409);
    for (const id of ['..%2F..%2Fetc%2Fpasswd', '..', `..%2F${evidenceName(ID)}`]) {
      const r = await srv.app.inject({ url: `/api/v1/anomalies/${id}/pcap`, headers: srv.auth('analyst') });
      expect(r.statusCode, id).toBe(404);
    }
  });

  it('names addresses: passive DNS from the windows, asset names from the criticality file', async () => {
    const r = (await srv.app.inject({ url: '/api/v1/names?ip=205.234.218.129', headers: srv.auth('viewer') })).json();
    expect(r.addresses[0].names[0]).toBe('assets.espn.go.com');
    const local = (await srv.app.inject({ url: '/api/v1/names?ip=172.16.0.122', headers: srv.auth('viewer') })).json();
    expect(local.addresses[0].asset).toEqual({ cidr: '172.16.0.122/32', criticality: 'high', name: 'analyst-laptop' });
    const byName = (await srv.app.inject({ url: '/api/v1/names?name=espn.com', headers: srv.auth('viewer') })).json();
    expect(byName.addresses.map((a: { ip: string }) => a.ip)).toContain('199.181.132.250');
    const both = (await srv.app.inject({ url: '/api/v1/names?ip=205.234.218.129&ip=172.16.0.122', headers: srv.auth('viewer') })).json();
    expect(both.addresses.map((a: { ip: string }) => a.ip)).toEqual(['205.234.218.129', '172.16.0.122']);
    expect((await srv.app.inject({ url: '/api/v1/names?ip=1.2.3.4&name=x', headers: srv.auth('viewer') })).statusCode).toBe(400);
    expect((await srv.app.inject({ url: '/api/v1/names?ip=<script>', headers: srv.auth('viewer') })).statusCode).toBe(400);
  });

  it('puts the evidence and the ATT&CK techniques in the case file', async () => {
    const r = (await srv.app.inject({ url: `/api/v1/anomalies/${ID}/case`, headers: srv.auth('analyst') })).json();
    expect(r.attack.map((t: { id: string }) => t.id)).toEqual(['T1041', 'T1048', 'T1567']);
    expect(r.evidence.packets).toBe(956);
  });
});
