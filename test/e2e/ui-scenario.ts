// Traffic for the browser tests, made by the real components: crafted Ethernet frames are written
// to a pcap file, read back by the capture file reader through the capture pipeline into
// WindowStats, a model is trained on the normal part, and the detection engine turns the incident
// windows into anomalies. A second, shorter capture (the minute before the incident, the
// incident and what follows) is the dataset the replay view plays. The incident is a 10-second outbound burst
// from 10.0.0.5 to 198.51.100.66 while that host asks DNS for a name that is an HTML payload.
import { join } from 'node:path';
import { CaptureFileWriter, CapturePipeline, openFileSource, type WindowStats } from '../../capture/index.ts';
import { dnsQuery, tcpFrame, TCP, udpFrame } from '../../datasets/index.ts';
import { DetectionEngine, trainModel, type Anomaly, type ModelArtifact } from '../../model/index.ts';

export const SENSOR = 'sensor-e2e';
/** survives the decoder's escaping of spaces, and would run if it were ever parsed as HTML */
export const XSS_NAME = '<img/src/onerror=window.__xss=1>.evil.example';
export const INCIDENT_HOST = '10.0.0.5';
export const INCIDENT_REMOTE = '198.51.100.66';
const NORMAL_SECONDS = 600;
const INCIDENT_SECONDS = 10;
const AFTER_SECONDS = 20;

export interface Scenario {
  windows: WindowStats[];
  /** anomalies the engine returned after each window (by window index) */
  anomaliesAfter: Anomaly[][];
  /** index of the first incident window */
  incidentStart: number;
  /** the first window (from incidentStart) whose anomalies include the outbound spike; -1 when none */
  spikeAt: number;
  modelVersion: string;
  model: ModelArtifact;
  /** the whole capture, and the replay drill (from a minute before the incident to the end) */
  capturePath: string;
  drillPath: string;
}

/** Deterministic small PRNG so the baseline has some variance but every run is the same. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** Writes the scenario's captures into `dir`, reads the whole one back and trains on its normal part. */
export async function buildScenario(startMs: number, dir: string): Promise<Scenario> {
  const capturePath = join(dir, 'incident.pcap');
  const drillPath = join(dir, 'incident-drill.pcap');
  const options = { format: 'pcap' as const, linkType: 1, nanosecond: true };
  const whole = new CaptureFileWriter(capturePath, options);
  const drill = new CaptureFileWriter(drillPath, options);
  const drillFrom = startMs + (NORMAL_SECONDS - 60) * 1000;
  const random = lcg(7);
  const send = (ms: number, frame: Uint8Array): void => {
    const tsSec = Math.floor(ms / 1000);
    const tsNsec = (ms % 1000) * 1_000_000;
    whole.packet(tsSec, tsNsec, frame);
    if (ms >= drillFrom) drill.packet(tsSec, tsNsec, frame);
  };
  const total = NORMAL_SECONDS + INCIDENT_SECONDS + AFTER_SECONDS;
  let dnsId = 1;
  for (let s = 0; s < total; s++) {
    const t0 = startMs + s * 1000;
    const n = 15 + Math.floor(random() * 10);
    for (let i = 0; i < n; i++) {
      const t = t0 + Math.floor((i * 1000) / n);
      send(t, tcpFrame({ src: INCIDENT_HOST, dst: '203.0.113.10', sport: 50_000 + (s % 50), dport: 443, flags: TCP.ACK | TCP.PSH, payload: 300 + Math.floor(random() * 300) }));
      send(t + 1, tcpFrame({ src: '203.0.113.10', dst: INCIDENT_HOST, sport: 443, dport: 50_000 + (s % 50), flags: TCP.ACK | TCP.PSH, payload: 900 + Math.floor(random() * 400) }));
      if (i % 5 === 0) send(t + 2, tcpFrame({ src: '10.0.0.7', dst: '10.0.0.20', sport: 40_000, dport: 445, flags: TCP.ACK, payload: 200 }));
    }
    send(t0 + 3, udpFrame({ src: INCIDENT_HOST, dst: '10.0.0.53', sport: 53_000, dport: 53, payload: dnsQuery({ id: dnsId++ & 0xffff, name: 'www.example.com' }) }));
    const incident = s >= NORMAL_SECONDS && s < NORMAL_SECONDS + INCIDENT_SECONDS;
    if (incident) {
      send(t0 + 4, udpFrame({ src: INCIDENT_HOST, dst: '10.0.0.53', sport: 53_001, dport: 53, payload: dnsQuery({ id: dnsId++ & 0xffff, name: XSS_NAME }) }));
      for (let i = 0; i < 400; i++) {
        send(t0 + 5 + Math.floor(i * 2.4), tcpFrame({ src: INCIDENT_HOST, dst: INCIDENT_REMOTE, sport: 51_515, dport: 443, flags: TCP.ACK | TCP.PSH, payload: 1400 }));
      }
    }
  }
  await whole.close();
  await drill.close();

  const windows: WindowStats[] = [];
  await new CapturePipeline({ sensor: SENSOR, windowMs: 1000 }, (w) => windows.push(w)).run(openFileSource([capturePath], { speed: 'max' }));
  const model = await trainModel(windows.slice(0, NORMAL_SECONDS), { seed: 1, epochs: 4, minWindows: 300 });
  const engine = new DetectionEngine(model);
  const anomaliesAfter = windows.map((w) => engine.process(w));
  anomaliesAfter[anomaliesAfter.length - 1]!.push(...engine.finish());
  const incidentStart = windows.findIndex((w) => w.start >= startMs + NORMAL_SECONDS * 1000);
  // the window after which the engine first reports the burst as an outbound spike (the UI tests
  // time the feed from there; how soon the detector fires is the detectors' tests' business)
  const spikeAt = anomaliesAfter.findIndex((as, i) => i >= incidentStart && as.some((a) => a.kind === 'outbound-spike'));
  return { windows, anomaliesAfter, incidentStart, spikeAt, modelVersion: model.meta.version, model, capturePath, drillPath };
}
