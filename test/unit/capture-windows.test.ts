import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CapturePipeline, CaptureWriter, DIRECTIONS, frameRecord, openFileSource, type PacketRecord, type PacketSource, type WindowStats,
} from '../../capture/index.ts';
import { TCP, sampleTraffic, tcpFrame, udpFrame } from '../../datasets/index.ts';

const T0 = 1_700_000_000; // seconds, on a window boundary for 1 s and 10 s windows

function record(frame: Uint8Array, tsMs: number): PacketRecord {
  const sec = Math.floor(tsMs / 1000);
  return frameRecord(frame, sec, Math.round((tsMs - sec * 1000) * 1e6));
}

function collect(windowMs = 1000): { pipeline: CapturePipeline; windows: WindowStats[] } {
  const windows: WindowStats[] = [];
  const pipeline = new CapturePipeline({ sensor: 'test', windowMs }, (w) => windows.push(w));
  return { pipeline, windows };
}

const out = (sport: number): Uint8Array => udpFrame({ src: '192.168.1.10', dst: '8.8.8.8', sport, dport: 53 });

describe('windows on packet time', () => {
  it('cuts windows on timestamps and emits empty windows for gaps in a file', () => {
    const { pipeline, windows } = collect();
    for (const ms of [100, 500, 1200, 3700]) pipeline.ingest(record(out(1000 + ms), T0 * 1000 + ms));
    pipeline.flush();
    expect(windows.map((w) => (w.start - T0 * 1000) / 1000)).toEqual([0, 1, 2, 3]);
    expect(windows.map((w) => w.directions.outbound.packets)).toEqual([2, 1, 0, 1]);
    expect(windows.every((w) => w.durationMs === 1000 && !w.flushedByClock && w.sensor === 'test')).toBe(true);
    expect(windows[3]!.health.flowsTracked).toBe(4);
  });

  it('any window length: 10 s windows aligned to multiples of 10 s', () => {
    const { pipeline, windows } = collect(10_000);
    pipeline.ingest(record(out(1), T0 * 1000 + 9_999));
    pipeline.ingest(record(out(2), T0 * 1000 + 10_000));
    pipeline.flush();
    expect(windows.map((w) => [w.start - T0 * 1000, w.directions.outbound.packets])).toEqual([[0, 1], [10_000, 1]]);
  });

  it('watermark: a window closes when a packet two windows later arrives; one window of grace for late packets', () => {
    const { pipeline, windows } = collect();
    pipeline.ingest(record(out(1), T0 * 1000 + 100));
    pipeline.ingest(record(out(2), T0 * 1000 + 1100));
    expect(windows.length).toBe(0);
    pipeline.ingest(record(out(3), T0 * 1000 + 900)); // late, within grace: its own window
    pipeline.ingest(record(out(4), T0 * 1000 + 2100)); // closes window 0
    expect(windows.length).toBe(1);
    expect(windows[0]!.directions.outbound.packets).toBe(2);
    pipeline.ingest(record(out(5), T0 * 1000 + 500)); // too late: counted in the oldest open window (1)
    pipeline.flush();
    expect(windows.map((w) => w.directions.outbound.packets)).toEqual([2, 2, 1]);
    expect(windows.reduce((s, w) => s + w.health.packetsSeen, 0)).toBe(5);
  });

  it('flushIdle closes windows on the wall clock, marks them, and fills quiet seconds with empty windows', () => {
    const { pipeline, windows } = collect();
    pipeline.ingest(record(out(1), T0 * 1000 + 100));
    pipeline.flushIdle(T0 * 1000 + 1500); // window 0 ended 500 ms ago: not yet (quiet flush = window + 1 s)
    expect(windows.length).toBe(0);
    pipeline.flushIdle(T0 * 1000 + 5_000);
    expect(windows.map((w) => [(w.start - T0 * 1000) / 1000, w.flushedByClock, w.health.packetsSeen])).toEqual([
      [0, true, 1], [1, true, 0], [2, true, 0],
    ]);
    pipeline.ingest(record(out(2), T0 * 1000 + 5_100));
    pipeline.flush();
    expect(windows.slice(3).map((w) => [(w.start - T0 * 1000) / 1000, w.flushedByClock, w.health.packetsSeen])).toEqual([
      [3, false, 0], [4, false, 0], [5, false, 1],
    ]);
  });
});

describe('WindowStats fields on a known traffic mix', () => {
  const frames = sampleTraffic({ startSec: T0 });
  const { pipeline, windows } = collect(60_000);
  for (const f of frames) pipeline.ingest(record(f.frame, f.tsSec * 1000 + f.tsNsec / 1e6));
  pipeline.flush();
  const w = windows[0]!;

  it('one window holding every packet', () => {
    expect(windows.length).toBe(1);
    expect(w.health.packetsSeen).toBe(frames.length);
    expect(DIRECTIONS.reduce((s, d) => s + w.directions[d].packets, 0)).toBe(frames.length);
    expect(DIRECTIONS.reduce((s, d) => s + w.directions[d].bytes, 0)).toBe(frames.reduce((s, f) => s + f.frame.length, 0));
    expect(w.health.decodeErrors).toBe(1);
  });

  it('TCP signals: SYN, SYN-ACK, RST, unanswered SYN per direction', () => {
    const d = w.directions;
    expect(d.outbound.tcpSyn).toBe(3); // two to the web server, one over IPv6 (the truncated frame is not decoded)
    expect(d.inbound.tcpSyn).toBe(3);
    expect(d.inbound.tcpSynAck).toBe(2); // web server, IPv6 server
    expect(d.internal.tcpSynAck).toBe(1);
    expect(d.inbound.tcpRst).toBe(1);
    expect(d.outbound.tcpRst).toBe(1);
    expect(d.inbound.tcpSynUnanswered).toBe(3); // the scan
    expect(d.outbound.tcpSynUnanswered).toBe(1); // the reused-port SYN answered by RST
    expect(d.internal.tcpSynUnanswered).toBe(0);
    expect(d.inbound.remotePorts).toBe(3);
    expect(d.inbound.remoteHosts).toBe(5); // web server, 8.8.8.8, 1.1.1.1, IPv6 server, scanner
  });

  it('ICMP unreachable and DNS', () => {
    expect(w.directions.internal.icmpUnreachable).toBe(2); // ICMP from the router, ICMPv6 from fe80::1
    expect(w.directions.outbound.dnsQueries).toBe(3);
    expect(w.directions.inbound.dnsResponses).toBe(2);
    expect(w.directions.inbound.dnsNxdomain).toBe(1);
    expect([w.dns.queries, w.dns.responses, w.dns.nxdomain]).toEqual([3, 2, 1]);
    const names = w.dns.names.map((n) => [n.name, n.client, n.queries, n.nxdomain, n.qtype]);
    expect(names).toContainEqual(['x9f3k2q8.tunnel.example.net', '192.168.1.10', 1, 1, 16]);
    expect(names).toContainEqual(['example.org', 'fd00::10', 1, 0, 28]);
    expect(w.dns.nameLengthMax).toBe('x9f3k2q8.tunnel.example.net'.length);
    expect(w.dns.labelEntropyMean).toBeGreaterThan(0);
  });

  it('services by server port, flows started, top hosts', () => {
    expect(w.services.tls.flows).toBe(2);
    expect(w.services.smb.flows).toBe(1);
    expect(w.services.dns.flows).toBe(3);
    expect(w.services.icmp.flows).toBe(3);
    expect(w.services.other.packets).toBe(3); // ARP request and reply, the undecodable frame
    const started = DIRECTIONS.reduce((s, d) => s + w.directions[d].flowsStarted, 0);
    expect(w.flowStarts.length).toBe(started);
    expect(w.flowStarts).toContainEqual({ ts: expect.any(Number), direction: 'inbound', proto: 'tcp', local: '192.168.1.20', remote: '203.0.113.5', port: 3389 });
    const top = w.topLocalHosts[0]!;
    expect(top.host).toBe('192.168.1.10');
    expect(top.dnsQueries).toBe(2);
    expect(top.dnsNxdomain).toBe(1);
    const scanned = w.topLocalHosts.find((h) => h.host === '192.168.1.20')!;
    expect(scanned.tcpRstReceived).toBe(0);
    expect(scanned.flowsStarted).toBe(4); // SMB + three scan probes
    const web = w.topRemoteEndpoints.find((r) => r.host === '93.184.216.34')!;
    expect([web.topPort, web.localHosts, web.flows]).toEqual([443, 1, 2]);
  });
});

describe('a local host\'s top remote', () => {
  const send = (dst: string, payload: number): Uint8Array => tcpFrame({ src: '192.168.1.10', dst, sport: 40000, dport: 443, flags: TCP.ACK, payload });
  const topRemote = (sends: Array<[string, number]>): string | undefined => {
    const { pipeline, windows } = collect();
    sends.forEach(([dst, payload], i) => pipeline.ingest(record(send(dst, payload), T0 * 1000 + i)));
    pipeline.flush();
    return windows[0]!.localHosts!.find((h) => h.host === '192.168.1.10')!.topRemote;
  };

  it('is the remote that received the most bytes, also when none received more than half', () => {
    // frames of 400, 100, 350 and 280 bytes (54 of headers each): 400 to the first remote, 380 to
    // the second, 350 to the third; a majority vote over the packets in this order ends on the second
    expect(topRemote([['93.184.216.34', 346], ['198.51.100.7', 46], ['203.0.113.9', 296], ['198.51.100.7', 226]])).toBe('93.184.216.34');
  });

  it('on a tie, is the remote sent to first in the window', () => {
    expect(topRemote([['198.51.100.7', 100], ['93.184.216.34', 100]])).toBe('198.51.100.7');
    expect(topRemote([['93.184.216.34', 100], ['198.51.100.7', 100]])).toBe('93.184.216.34');
  });
});

describe('replay speed does not change the windows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spanwatch-windows-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('max and 20x give identical WindowStats', async () => {
    const w = new CaptureWriter({ format: 'pcap', linkType: 1, nanosecond: true });
    for (let i = 0; i < 60; i++) {
      const f = i % 3 === 0
        ? tcpFrame({ src: '192.168.1.10', dst: '93.184.216.34', sport: 40000 + i, dport: 443, flags: TCP.SYN })
        : udpFrame({ src: '192.168.1.10', dst: '8.8.8.8', sport: 50000 + i, dport: 53 });
      w.packet(T0 + Math.floor(i / 20), (i % 20) * 37_000_000, f);
    }
    const path = join(dir, 'replay.pcap');
    writeFileSync(path, w.toBuffer());
    const runAt = async (speed: 'max' | number): Promise<WindowStats[]> => {
      const { pipeline, windows } = collect(500);
      await pipeline.run(openFileSource([path], { speed }));
      return windows;
    };
    const fast = await runAt('max');
    const paced = await runAt(20);
    expect(fast.length).toBe(6);
    expect(paced).toEqual(fast);
  });
});

describe('capture health in every window', () => {
  it('the source\'s drop counters are charged to the windows emitted after they grow: every drop once, loss ratio per window', async () => {
    // a source that delivers 3 s of packets and whose kernel/interface counters grow while it does,
    // as a live source's do
    const counters = { packetsDropped: 0, packetsIfDropped: 0 };
    const source: PacketSource = {
      name: 'fake0',
      live: false,
      counters: () => ({ ...counters }),
      stop: () => undefined,
      run: async (onPacket) => {
        for (let i = 0; i < 30; i++) {
          onPacket(record(out(1000 + i), T0 * 1000 + i * 100));
          if (i === 5) counters.packetsDropped += 7;
          if (i === 15) {
            counters.packetsDropped += 3;
            counters.packetsIfDropped += 2;
          }
        }
        counters.packetsDropped += 1; // read after the last packet: charged to the windows flushed at the end
      },
    };
    const windows: WindowStats[] = [];
    await new CapturePipeline({ sensor: 'test' }, (w) => windows.push(w)).run(source);
    expect(windows.map((w) => w.health.packetsSeen)).toEqual([10, 10, 10]);
    expect(windows.reduce((s, w) => s + w.health.packetsDropped, 0)).toBe(11);
    expect(windows.reduce((s, w) => s + w.health.packetsIfDropped, 0)).toBe(2);
    for (const w of windows) {
      const { packetsSeen, packetsDropped, lossRatio } = w.health;
      expect(lossRatio).toBeCloseTo(packetsDropped / (packetsSeen + packetsDropped), 12);
    }
    // the first window closes when a packet of the third arrives (i = 20): the drops read by then are its own
    expect(windows[0]!.health.packetsDropped).toBe(10);
    expect(windows[0]!.health.packetsIfDropped).toBe(2);
  });
});
