// The sensor runtime's failure policy, stage by stage, on real windows from the capture pipeline:
// a detection failure stops detection (logged once, counted) while windows keep reaching every
// output, until another detection is set; an output that throws does not starve the others.
import { describe, expect, it } from 'vitest';
import { frameRecord, type PacketRecord, type WindowStats } from '../../capture/index.ts';
import { udpFrame } from '../../datasets/index.ts';
import type { Anomaly } from '../../model/index.ts';
import { SensorRuntime, type RuntimeOutput, type WindowDetection } from '../../runtime/index.ts';

const T0_MS = 1_700_000_000_000;

function record(k: number): PacketRecord {
  const frame = udpFrame({ src: '192.168.1.10', dst: '8.8.8.8', sport: 1000 + k, dport: 53 });
  const ms = T0_MS + k * 1000 + 100;
  return frameRecord(frame, Math.floor(ms / 1000), (ms % 1000) * 1e6);
}

/** Collects what reaches it. */
class Collector implements RuntimeOutput {
  readonly windows: WindowStats[] = [];
  readonly anomalies: Anomaly[] = [];
  closed = false;
  window(w: WindowStats): void { this.windows.push(w); }
  anomaly(a: Anomaly): void { this.anomalies.push(a); }
  async close(): Promise<void> { this.closed = true; }
}

/** One finding per window, naming the window; throws on the windows listed in `failOn`. */
class WindowFindings implements WindowDetection {
  readonly model: { meta: { version: string } };
  finished = 0;
  constructor(version: string, private readonly failOn: ReadonlySet<number> = new Set()) {
    this.model = { meta: { version } };
  }
  process(w: WindowStats): Anomaly[] {
    if (this.failOn.has(w.start)) throw new Error(`cannot score ${w.start}`);
    return [{ id: `${this.model.meta.version}:${w.start}`, start: w.start, subject: {} } as Anomaly];
  }
  finish(): Anomaly[] {
    this.finished++;
    return [];
  }
}

function feed(runtime: SensorRuntime, seconds: number): void {
  for (let k = 0; k < seconds; k++) runtime.pipeline.ingest(record(k));
  runtime.pipeline.flush();
}

describe('sensor runtime failure policy', () => {
  it('detection failure: logged once, counted, windows keep flowing; detection resumes with the next model set', async () => {
    const out = new Collector();
    const log: string[] = [];
    const failing = new WindowFindings('v1', new Set([T0_MS + 2000]));
    const runtime = new SensorRuntime({ pipeline: { sensor: 's' }, detection: failing, outputs: [out], log: (l) => log.push(l) });
    for (let k = 0; k < 5; k++) runtime.pipeline.ingest(record(k));
    // windows 0..2 are closed by the packet at 4 s: window 2 fails
    expect(out.windows.map((w) => w.start - T0_MS)).toEqual([0, 1000, 2000]);
    expect(out.anomalies.map((a) => a.id)).toEqual([`v1:${T0_MS}`, `v1:${T0_MS + 1000}`]);
    expect(runtime.detection).toBeNull();
    expect(failing.finished).toBe(1);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/detection failed on the window of .* \(model v1\): cannot score .*; capture and outputs continue without detection/);

    runtime.pipeline.ingest(record(5)); // closes window 3 while detection is stopped: stored, not scored
    expect(out.windows).toHaveLength(4);
    expect(out.anomalies).toHaveLength(2);
    runtime.setDetection(new WindowFindings('v2'));
    for (let k = 6; k < 8; k++) runtime.pipeline.ingest(record(k));
    runtime.pipeline.flush();
    expect(out.windows.map((w) => w.start - T0_MS)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000]);
    expect(out.anomalies.map((a) => a.id).slice(2)).toEqual([4000, 5000, 6000, 7000].map((d) => `v2:${T0_MS + d}`));
    expect(runtime.counters).toMatchObject({ windows: 8, detectionFailures: 1, windowsWithoutDetection: 2, outputFailures: 0 });
    await runtime.close();
    expect(out.closed).toBe(true);
    expect(log).toHaveLength(1);
  });

  it('output failure: the failing output is logged once and keeps receiving; the others get every record', async () => {
    const good = new Collector();
    let calls = 0;
    const broken: RuntimeOutput = {
      window: () => { calls++; throw new Error('disk full'); },
      anomaly: () => { calls++; throw new Error('disk full'); },
      close: async () => { throw new Error('cannot flush'); },
    };
    const log: string[] = [];
    const runtime = new SensorRuntime({ pipeline: { sensor: 's' }, detection: new WindowFindings('v1'), outputs: [broken, good], log: (l) => log.push(l) });
    feed(runtime, 3);
    expect(good.windows).toHaveLength(3);
    expect(good.anomalies).toHaveLength(3);
    expect(calls).toBe(6);
    expect(log.filter((l) => l.includes('an output failed on a record'))).toHaveLength(1);
    await runtime.close();
    expect(good.closed).toBe(true);
    expect(runtime.counters.outputFailures).toBe(7);
    expect(log.at(-1)).toMatch(/an output failed to close: cannot flush/);
  });

  it('closing ends the open incidents before the outputs close, once', async () => {
    const out = new Collector();
    const ending: WindowDetection = {
      model: { meta: { version: 'v1' } },
      process: () => [],
      finish: () => [{ id: 'last', start: T0_MS, subject: {}, ongoing: false } as Anomaly],
    };
    const runtime = new SensorRuntime({ pipeline: { sensor: 's' }, detection: ending, outputs: [out], log: () => {} });
    feed(runtime, 2);
    await runtime.close();
    await runtime.close();
    expect(out.anomalies.map((a) => a.id)).toEqual(['last']);
  });
});
