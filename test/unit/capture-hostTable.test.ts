// The window's full local-host table, each host's bytes to remote addresses and its top receiver,
// checked against the packets that were fed in — and the outbound-spike detector naming the host
// that really sent the upload, not a busy internal server.
import { describe, expect, it } from 'vitest';
import { CapturePipeline, frameRecord, type PacketRecord, type WindowStats } from '../../capture/index.ts';
import { TCP, tcpFrame, udpFrame } from '../../datasets/index.ts';
import { OutboundSpikeDetector } from '../../model/detectors/outboundSpike.ts';
import type { Finding } from '../../model/detectors/finding.ts';
import { HostBaselines } from '../../model/hostBaselines.ts';
import { SiteCalendar } from '../../model/timeSlots.ts';
import { FEATURE_COUNT, extractFeatures } from '../../model/features.ts';
import { SeasonalBaseline } from '../../model/seasonalBaseline.ts';

const T0 = 1_700_000_000_000;
const FILE_SERVER = '192.168.1.10';
const CLIENT = '192.168.1.20';
const UPLOADER = '192.168.1.106';
const RECEIVER = '198.51.100.166';
const OTHER_REMOTE = '203.0.113.9';
const QUIET = Array.from({ length: 30 }, (_, i) => `192.168.1.${150 + i}`);

function record(frame: Uint8Array, tsMs: number): PacketRecord {
  const sec = Math.floor(tsMs / 1000);
  return frameRecord(frame, sec, Math.round((tsMs - sec * 1000) * 1e6));
}

/** Per second: the file server pushes SMB to a client (internal), one workstation uploads to one
 * remote (and a little to another), thirty quiet hosts each send one DNS query. */
function traffic(seconds: number): { windows: WindowStats[]; sentToRemote: Map<string, number>; sentTo: Map<string, Map<string, number>> } {
  const windows: WindowStats[] = [];
  const pipeline = new CapturePipeline({ sensor: 'test', windowMs: 1000, localNets: ['192.168.1.0/24'] }, (w) => windows.push(w));
  const sentToRemote = new Map<string, number>();
  const sentTo = new Map<string, Map<string, number>>();
  const send = (frame: Uint8Array, ts: number, src: string, dst: string, remote: boolean): void => {
    pipeline.ingest(record(frame, ts));
    if (!remote) return;
    sentToRemote.set(src, (sentToRemote.get(src) ?? 0) + frame.length);
    const m = sentTo.get(src) ?? new Map<string, number>();
    m.set(dst, (m.get(dst) ?? 0) + frame.length);
    sentTo.set(src, m);
  };
  for (let s = 0; s < seconds; s++) {
    const t = T0 + s * 1000;
    for (let k = 0; k < 400; k++) send(tcpFrame({ src: FILE_SERVER, dst: CLIENT, sport: 445, dport: 50_000, flags: TCP.ACK, payload: 1400 }), t + k, FILE_SERVER, CLIENT, false);
    for (let k = 0; k < 300; k++) send(tcpFrame({ src: UPLOADER, dst: RECEIVER, sport: 51_000, dport: 443, flags: TCP.ACK, payload: 1400 }), t + 500 + k, UPLOADER, RECEIVER, true);
    for (let k = 0; k < 20; k++) send(tcpFrame({ src: UPLOADER, dst: OTHER_REMOTE, sport: 51_001, dport: 443, flags: TCP.ACK, payload: 1000 }), t + 850 + k, UPLOADER, OTHER_REMOTE, true);
    QUIET.forEach((q, i) => send(udpFrame({ src: q, dst: '192.168.1.1', sport: 40_000 + i, dport: 53, payload: 30 }), t + 900 + i, q, '192.168.1.1', false));
  }
  pipeline.flush();
  return { windows, sentToRemote, sentTo };
}

describe('the full local-host table', () => {
  const { windows, sentToRemote, sentTo } = traffic(3);
  const w = windows[0]!;

  it('lists every active local host, busiest first, and the top list is its head', () => {
    const hosts = w.localHosts!.map((h) => h.host);
    expect(new Set(hosts)).toEqual(new Set([FILE_SERVER, CLIENT, UPLOADER, '192.168.1.1', ...QUIET]));
    expect(w.topLocalHosts.length).toBe(20);
    expect(w.topLocalHosts).toEqual(w.localHosts!.slice(0, 20));
    const volume = w.localHosts!.map((h) => h.bytesOut + h.bytesIn);
    expect(volume).toEqual([...volume].sort((a, b) => b - a));
    expect(w.localHostsOverflowPackets).toBe(0);
  });

  it('counts each host\'s bytes to remote addresses and its top receiver as the packets say', () => {
    const total = [...sentToRemote.values()].reduce((a, b) => a + b, 0) / 3;
    for (const h of w.localHosts!) {
      expect(h.bytesToRemote).toBe((sentToRemote.get(h.host) ?? 0) / 3);
      if (h.bytesToRemote! > 0) {
        const top = [...sentTo.get(h.host)!.entries()].sort((a, b) => b[1] - a[1])[0]![0];
        expect(h.topRemote).toBe(top);
      } else {
        expect(h.topRemote).toBeUndefined();
      }
    }
    expect(w.localHosts!.reduce((s, h) => s + h.bytesToRemote!, 0)).toBe(total);
    expect(w.directions.outbound.bytes).toBe(total);
    const server = w.localHosts!.find((h) => h.host === FILE_SERVER)!;
    expect(server.bytesOut).toBeGreaterThan(500_000);
    expect(server.bytesToRemote).toBe(0);
  });

  it('counts the packets of hosts beyond the host limit instead of dropping them silently', () => {
    const limited: WindowStats[] = [];
    const pipeline = new CapturePipeline({ sensor: 'test', windowMs: 1000, localNets: ['192.168.1.0/24'], limits: { hosts: 4 } }, (x) => limited.push(x));
    QUIET.forEach((q, i) => pipeline.ingest(record(udpFrame({ src: q, dst: '192.168.1.1', sport: 40_000 + i, dport: 53, payload: 30 }), T0 + i)));
    pipeline.flush();
    expect(limited[0]!.localHosts!.length).toBe(4);
    // each query has a local sender and a local receiver: 60 host-packet sightings, 4 hosts tracked
    expect(limited[0]!.localHostsOverflowPackets).toBeGreaterThan(0);
  });
});

describe('outbound-spike names the host that sent the upload', () => {
  it('the uploading workstation and its receiver, never the file server pushing data inside the network', () => {
    const { windows } = traffic(70);
    const baseline = new SeasonalBaseline({ spanMs: 0, windowMs: 1000, windowsHow: [], windowsHod: [], windowsAll: 0, keys: {} });
    const detector = new OutboundSpikeDetector(baseline, new HostBaselines({ hosts: {}, roles: {}, groups: {}, windows: [], hours: [] }, SiteCalendar.UTC));
    const features = new Float64Array(FEATURE_COUNT);
    const findings: Finding[] = [];
    for (const w of windows) detector.detect({ w, features: extractFeatures(w, features), captureLoss: false, dnsNames: [] }, findings);
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.subject.localHost).toBe(UPLOADER);
      expect(f.subject.remote).toBe(RECEIVER);
    }
  });
});
