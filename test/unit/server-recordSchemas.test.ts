// The strict ingest schemas take what the real producers emit: WindowStats from the capture
// pipeline on a capture file, anomalies of several kinds from the detection engine, and the
// sensor sink's health record. A schema stricter than the records would refuse a real sensor.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter, CapturePipeline, openFileSource, type WindowStats } from '../../capture/index.ts';
import { sampleTraffic, tcpFrame, TCP } from '../../datasets/index.ts';
import { DetectionEngine, trainModel, type Anomaly, type ModelArtifact } from '../../model/index.ts';
import { validateIngestMessage } from '../../server/ingest/ingestValidator.ts';
import { DAY_MS, SERVER, T0, finishWindow, normalWindow, rng, syntheticWindows, hostStats, REMOTES } from '../../datasets/synthetic/index.ts';

const WINDOW_MS = 60_000;
let dir: string;
let model: ModelArtifact;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spanwatch-record-schemas-'));
  model = await trainModel([...syntheticWindows({ windows: 2 * 1440, windowMs: WINDOW_MS })], { seed: 3, epochs: 2 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problems = (type: 'window' | 'anomaly' | 'health', records: unknown[]): string[] =>
  records.map((data, i) => validateIngestMessage({ type, seq: i + 1, data })).flatMap((v) => (v.ok ? [] : [v.message]));

describe('record schemas against real producers', () => {
  it('take every window the capture pipeline makes of a capture file', async () => {
    const file = join(dir, 'office.pcap');
    const startSec = 1_790_000_000;
    const w = new CaptureFileWriter(file, { format: 'pcap', linkType: 1, nanosecond: true });
    for (const f of sampleTraffic({ startSec })) w.packet(f.tsSec, f.tsNsec, f.frame);
    for (let i = 0; i < 400; i++) {
      const t = startSec + 3 + i * 0.02;
      w.packet(Math.floor(t), Math.round((t % 1) * 1e9), tcpFrame({ src: '192.168.1.20', dst: '198.51.100.7', sport: 40_000 + (i % 50), dport: 443, flags: TCP.ACK, payload: 400 }));
    }
    await w.close();
    const windows: WindowStats[] = [];
    await new CapturePipeline({ sensor: 'office' }, (x) => { windows.push(x); }).run(openFileSource([file]));
    expect(windows.length).toBeGreaterThan(5);
    expect(windows.some((x) => x.flowStarts.length > 0 && x.topLocalHosts.length > 0)).toBe(true);
    expect(problems('window', JSON.parse(JSON.stringify(windows)) as unknown[])).toEqual([]);
  });

  it('take the anomalies of several kinds the detection engine makes', () => {
    const engine = new DetectionEngine(model, { now: () => 1_790_000_000_000 });
    const r = rng(9);
    const out: Anomaly[] = [];
    const start = T0 + 2 * DAY_MS + 10 * 3_600_000;
    for (let i = 0; i < 40; i++) {
      const w = normalWindow(start + i * WINDOW_MS, WINDOW_MS, r);
      if (i >= 10 && i < 14) {
        const b = 8_000_000 * 60;
        w.topLocalHosts.push(hostStats('10.0.0.7', b, b / 40));
        w.topRemoteEndpoints.unshift({ host: REMOTES[3]!, bytesOut: b, bytesIn: b / 40, packets: b / 1000, flows: 1, localHosts: 1, topPort: 443 });
      }
      if (i === 20) for (let p = 1; p <= 200; p++) w.flowStarts.push({ ts: w.start, direction: 'internal', proto: 'tcp', local: '10.0.0.4', remote: SERVER, port: p });
      if (i === 25) for (let h = 1; h <= 100; h++) w.flowStarts.push({ ts: w.start, direction: 'inbound', proto: 'tcp', local: `10.0.1.${h}`, remote: '198.51.100.66', port: 445 });
      out.push(...engine.process(finishWindow(w)));
    }
    out.push(...engine.finish());
    const kinds = new Set(out.map((a) => a.kind));
    expect(kinds.has('scan')).toBe(true);
    expect(kinds.size).toBeGreaterThanOrEqual(2);
    expect(problems('anomaly', JSON.parse(JSON.stringify(out)) as unknown[])).toEqual([]);
  });

  it('take the health record a sensor sends', () => {
    const w = normalWindow(T0, 1000, rng(1));
    const health = { sensor: 'office', lastSeen: Date.now(), packetsPerSecond: 12.5, health: w.health, storeBacklog: 3, modelVersion: model.meta.version };
    expect(problems('health', [health, { ...health, modelVersion: null }])).toEqual([]);
  });
});
