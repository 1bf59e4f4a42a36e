// The packet ring and the evidence pcaps on a real capture: what the recorder writes for a subject
// and an interval is exactly what tshark selects from the source with the same filter; the ring
// stays within its size and time bounds; ids cannot escape the evidence directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CapturePipeline, EvidenceRecorder, PacketRing, evidenceName, evidencePcapPath, frameRecord, openFileSource, readEvidenceRecord,
  type EvidenceRecord,
} from '../../capture/index.ts';
import { tcpFrame } from '../../datasets/craft.ts';
import { sharedCapturesDir } from '../helpers/sharedCaptures.ts';

const captures = sharedCapturesDir();
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'evidence-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tshark(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

/** tshark's count of the packets with one of `hosts` as an end within [fromMs, toMs]. */
function tsharkCount(file: string, hosts: string[], fromMs: number, toMs: number): number {
  const who = hosts.map((h) => `ip.addr==${h}`).join(' || ');
  const filter = `(${who}) && frame.time_epoch >= ${(fromMs / 1000).toFixed(6)} && frame.time_epoch <= ${(toMs / 1000).toFixed(6)}`;
  const out = tshark(['-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number']).trim();
  return out === '' ? 0 : out.split('\n').length;
}

describe.skipIf(captures === null)('evidence pcaps from the packet ring', () => {
  const file = join(captures ?? '', 'benign/chrissanders_http_espn.pcapng');
  const T0 = 1270661369782;
  const records: EvidenceRecord[] = [];

  beforeAll(async () => {
    const ring = new PacketRing({ maxBytes: 16 * 1024 * 1024, windowMs: 120_000 });
    let recorder: EvidenceRecorder | null = null;
    let asked = false;
    const pipeline = new CapturePipeline({ sensor: 't', windowMs: 100, packetRing: ring }, (w) => {
      // as detection would: the anomaly is reported when its window closes, then grows and ends
      if (!asked && w.start >= T0 + 900) {
        asked = true;
        recorder!.request({ anomalyId: 'espn/../cdn 1', sensor: 't', hosts: ['205.234.218.129'], start: T0 + 800, end: T0 + 900, peakAt: T0 + 800, windowMs: 100, ongoing: true });
        recorder!.request({ anomalyId: 'pair', sensor: 't', hosts: ['63.85.36.72', '68.71.208.11'], start: T0 + 300, end: T0 + 700, peakAt: T0 + 400, windowMs: 100, ongoing: false });
      }
      if (asked && w.start === T0 + 1200 - ((T0 + 1200) % 100)) {
        recorder!.request({ anomalyId: 'espn/../cdn 1', sensor: 't', hosts: ['205.234.218.129'], start: T0 + 800, end: T0 + 1100, peakAt: T0 + 1000, windowMs: 100, ongoing: false });
      }
      recorder!.advance();
    });
    recorder = new EvidenceRecorder({ dir, ring, names: pipeline.names, marginMs: 400, maxTotalBytes: 64 * 1024 * 1024 });
    await pipeline.run(openFileSource([file]));
    recorder.finish();
    for (const id of ['espn/../cdn 1', 'pair']) records.push(readEvidenceRecord(dir, id)!);
  });

  it('writes, for each anomaly, exactly the packets tshark selects for its hosts and interval', () => {
    for (const r of records) {
      expect(r.state).toBe('complete');
      expect(r.gaps).toBe(0);
      expect(r.endedEarly).toBe(false);
      expect(r.flowsUntrackedPackets).toBe(0);
      const pcap = evidencePcapPath(dir, r.anomalyId)!;
      expect(pcap.startsWith(dir)).toBe(true);
      const expected = tsharkCount(file, r.hosts, r.from, r.to);
      expect(expected).toBeGreaterThan(10);
      expect(r.packets).toBe(expected);
      // the written file: readable, the same count, only the subject's packets, inside the interval
      expect(execFileSync('capinfos', ['-c', '-M', pcap], { encoding: 'utf8' })).toMatch(new RegExp(`Number of packets:\\s+${expected}\\b`));
      const lines = tshark(['-r', pcap, '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'frame.time_epoch']).trim().split('\n');
      expect(lines).toHaveLength(expected);
      for (const l of lines) {
        const [src, dst, t] = l.split('\t');
        expect(r.hosts.includes(src!) || r.hosts.includes(dst!)).toBe(true);
        expect(Number(t) * 1000).toBeGreaterThanOrEqual(r.from - 0.001);
        expect(Number(t) * 1000).toBeLessThanOrEqual(r.to + 0.001);
      }
      // byte-identical packets: the source's frames with the same filter hash alike
      const who = r.hosts.map((h) => `ip.addr==${h}`).join(' || ');
      const src = tshark(['-r', file, '-Y', `(${who}) && frame.time_epoch >= ${(r.from / 1000).toFixed(6)} && frame.time_epoch <= ${(r.to / 1000).toFixed(6)}`, '-T', 'fields', '-e', 'frame.len', '-e', 'tcp.seq_raw', '-e', 'frame.time_epoch']);
      const out = tshark(['-r', pcap, '-T', 'fields', '-e', 'frame.len', '-e', 'tcp.seq_raw', '-e', 'frame.time_epoch']);
      expect(out).toBe(src);
    }
  });

  it('lists the flows of the peak window with bytes each way, names and Community IDs', () => {
    const r = records[0]!;
    expect(r.flows.length).toBeGreaterThan(0);
    expect(r.flows.length).toBeLessThanOrEqual(50);
    for (const f of r.flows) {
      expect([f.orig, f.resp]).toContain('205.234.218.129');
      expect(f.first).toBeLessThan(r.peakTo);
      expect(f.last).toBeGreaterThanOrEqual(r.peakFrom);
      expect(f.communityId).toMatch(/^1:[A-Za-z0-9+/]{27}=$/);
    }
    const sorted = r.flows.map((f) => f.origBytes + f.respBytes);
    expect(sorted).toEqual([...sorted].sort((a, b) => b - a));
    // the CDN address was answered for names in this capture (a.espncdn.com and others)
    expect(r.flows.some((f) => f.respName !== undefined && /espn/.test(f.respName))).toBe(true);
    // bytes each way of the largest flow equal tshark's conversation within the interval
    const f = r.flows[0]!;
    const conv = `ip.addr==${f.orig} && ip.addr==${f.resp} && tcp.port==${f.origPort} && tcp.port==${f.respPort} && frame.time_epoch >= ${(r.from / 1000).toFixed(6)} && frame.time_epoch <= ${(r.to / 1000).toFixed(6)}`;
    const lens = tshark(['-r', file, '-Y', conv, '-T', 'fields', '-e', 'ip.src', '-e', 'frame.len']).trim().split('\n').map((l) => l.split('\t'));
    expect(f.origBytes).toBe(lens.filter(([s]) => s === f.orig).reduce((a, [, n]) => a + Number(n), 0));
    expect(f.respBytes).toBe(lens.filter(([s]) => s === f.resp).reduce((a, [, n]) => a + Number(n), 0));
  });

  it('keeps the pcaps within their total size: the oldest are removed and counted, an oversized one is cut and says so', async () => {
    const small = mkdtempSync(join(tmpdir(), 'evidence-small-'));
    try {
      const ring = new PacketRing({ maxBytes: 8 * 1024 * 1024, windowMs: 120_000 });
      const limit = 200_000;
      let recorder: EvidenceRecorder | null = null;
      const hosts = ['205.234.218.129', '63.85.36.72', '68.71.208.11', '205.234.218.82'];
      let next = 0;
      const pipeline = new CapturePipeline({ sensor: 't', windowMs: 100, packetRing: ring }, (w) => {
        // one short anomaly per window for the first hosts, each complete 100 ms after its end
        if (next < hosts.length && w.start >= T0 + 200 * (next + 1)) {
          recorder!.request({ anomalyId: `a${next}`, sensor: 't', hosts: [hosts[next]!], start: w.start - 100, end: w.start, peakAt: w.start - 100, windowMs: 100, ongoing: false });
          next++;
        }
        recorder!.advance();
      });
      recorder = new EvidenceRecorder({ dir: small, ring, names: null, marginMs: 100, maxTotalBytes: limit });
      // the whole capture for one more: larger than the limit on its own
      recorder.request({ anomalyId: 'all', sensor: 't', hosts: ['172.16.0.122'], start: T0, end: T0 + 2100, peakAt: T0, windowMs: 100, ongoing: false });
      await pipeline.run(openFileSource([file]));
      recorder.finish();
      const pcaps = readdirSync(small).filter((f) => f.endsWith('.pcap'));
      const sizes = pcaps.map((f) => statSync(join(small, f)).size);
      expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(limit);
      expect(recorder.completed).toBe(hosts.length + 1);
      expect(recorder.removed).toBe(hosts.length + 1 - pcaps.length);
      expect(recorder.removed).toBeGreaterThan(0);
      // a removed pcap goes with its record; the newest is kept
      for (const f of readdirSync(small).filter((f) => f.endsWith('.json'))) expect(pcaps).toContain(f.replace(/\.json$/, '.pcap'));
      const all = readEvidenceRecord(small, 'all')!;
      expect(all.truncated).toBe(true);
      expect(all.fileBytes).toBeLessThanOrEqual(limit);
      expect(statSync(join(small, all.file!)).size).toBe(all.fileBytes);
      expect(execFileSync('capinfos', ['-c', '-M', join(small, all.file!)], { encoding: 'utf8' })).toMatch(new RegExp(`Number of packets:\\s+${all.packets}\\b`));
    } finally {
      rmSync(small, { recursive: true, force: true });
    }
  });

  it('names files only with safe characters, inside the directory', () => {
    expect(evidenceName('espn/../cdn 1')).toMatch(/^espn_\.\._cdn_1-[0-9a-f]{12}$/);
    expect(evidenceName('..')).not.toContain('/');
    expect(evidenceName('ok-id_1.2')).toBe('ok-id_1.2');
    expect(readdirSync(dir).every((f) => /^[A-Za-z0-9._-]+$/.test(f))).toBe(true);
  });
});

describe('the packet ring', () => {
  const frame = (i: number, size: number) => tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1000 + (i % 50000), dport: 80, flags: 0x10, payload: size });

  it('stays within its size: the oldest packets give way, counted, and the newest read back intact', () => {
    const ring = new PacketRing({ maxBytes: 64 * 1024, windowMs: 3_600_000 });
    const sizes: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const size = 20 + ((i * 37) % 1400);
      sizes.push(size);
      ring.add(frameRecord(frame(i, size), 1000 + Math.floor(i / 1000), (i % 1000) * 1_000_000));
      expect(ring.bytesHeld).toBeLessThanOrEqual(ring.capacity);
    }
    expect(ring.evictedBySize + ring.packets).toBe(5000);
    expect(ring.evictedBySize).toBeGreaterThan(4000);
    // read every held packet back: consecutive, the newest last, lengths and bytes as added
    const rec = { tsSec: 0, tsNsec: 0, capLen: 0, origLen: 0, linkType: 0, iface: 0, buffer: new Uint8Array(0), offset: 0 };
    let n = 0;
    let i = 5000 - ring.packets;
    for (let pos = ring.seek(ring.head); pos < ring.tail; n++, i++) {
      pos = ring.read(pos, rec);
      const want = frame(i, sizes[i]!);
      expect(rec.capLen).toBe(want.length);
      expect(Buffer.from(rec.buffer.subarray(rec.offset, rec.offset + rec.capLen)).equals(Buffer.from(want))).toBe(true);
    }
    expect(n).toBe(ring.packets);
    expect(i).toBe(5000);
  });

  it('keeps only the packets of its time window (packet time)', () => {
    const ring = new PacketRing({ maxBytes: 1024 * 1024, windowMs: 2_000 });
    for (let i = 0; i < 1000; i++) ring.add(frameRecord(frame(i, 100), 5000 + Math.floor(i / 100), (i % 100) * 10_000_000));
    // 10 packets per 100 ms over 10 s: the last 2 s (and the packet exactly 2 s old) stay
    expect(ring.timeAt(ring.seek(ring.head))).toBeGreaterThanOrEqual(ring.newestMs - 2_000);
    expect(ring.packets).toBe(201);
    expect(ring.evictedByTime).toBe(799);
    expect(ring.evictedBySize).toBe(0);
  });

  it('agrees with a plain list of the packets it should hold, through thousands of wraps, exact fits and time evictions', () => {
    let x = 7;
    const rnd = (n: number): number => { x = (x * 1103515245 + 12345) >>> 0; return x % n; };
    const ring = new PacketRing({ maxBytes: 4096, windowMs: 50 });
    const held: { ts: number; bytes: Uint8Array }[] = [];
    let t = 0;
    const rec = { tsSec: 0, tsNsec: 0, capLen: 0, origLen: 0, linkType: 0, iface: 0, buffer: new Uint8Array(0), offset: 0 };
    for (let i = 0; i < 6_000; i++) {
      t += rnd(40);
      // sizes around the ones that end a record exactly at the buffer's end
      const size = rnd(3) === 0 ? 4096 - 24 - rnd(3) * 4 : rnd(900);
      const bytes = Uint8Array.from({ length: size }, (_, k) => (i + k) & 255);
      ring.add(frameRecord(bytes, Math.floor(t / 1000), (t % 1000) * 1_000_000));
      held.push({ ts: t, bytes });
      // never more than the packets of the time window; always the newest ones, intact
      let keep = 0;
      for (let j = held.length - 1; j >= 0 && held[j]!.ts >= t - 50; j--) keep++;
      expect(ring.packets).toBeLessThanOrEqual(keep);
      expect(ring.packets).toBeGreaterThan(0);
      const n = ring.packets;
      let pos = ring.seek(ring.head);
      for (let j = held.length - n; j < held.length; j++) {
        pos = ring.read(pos, rec);
        expect(rec.capLen).toBe(held[j]!.bytes.length);
        if (rec.capLen > 0) {
          expect(rec.buffer[rec.offset]).toBe(held[j]!.bytes[0]);
          expect(rec.buffer[rec.offset + rec.capLen - 1]).toBe(held[j]!.bytes[rec.capLen - 1]);
        }
      }
      expect(pos).toBe(ring.tail);
      expect(ring.bytesHeld).toBeLessThanOrEqual(4096);
      if (held.length > 200) held.splice(0, 100);
    }
    expect(ring.evictedBySize).toBeGreaterThan(500);
    expect(ring.evictedByTime).toBeGreaterThan(500);
  });

  it('refuses packets larger than itself and sizes below 4 KiB', () => {
    const ring = new PacketRing({ maxBytes: 4096, windowMs: 1000 });
    ring.add(frameRecord(frame(1, 5000), 1, 0));
    expect(ring.tooLarge).toBe(1);
    expect(ring.packets).toBe(0);
    expect(() => new PacketRing({ maxBytes: 1000, windowMs: 1000 })).toThrow(/at least 4 KiB/);
  });
});
