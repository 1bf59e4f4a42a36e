// The capture benchmark's inputs, written as pcap files: realistic traffic (a real capture repeated
// with shifted timestamps when ../shared/captures is present, else generated) and a spoofed SYN
// flood (nearly every packet a new flow). Also used by the test that checks sharded capture
// against the single pipeline on them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureFileWriter, openFileSource, type PacketRecord } from '../capture/index.ts';
import { TCP, sampleTraffic, tcpFrame } from '../datasets/index.ts';

const SHARED_ALEXA = join(import.meta.dirname, '..', '..', 'shared', 'captures', 'benign', 'ndpi_alexa-app.pcapng');

/** The real capture the realistic input repeats: SPANWATCH_REAL_CAPTURES names the captures folder when it is not beside the checkout. */
function alexaCapture(): string {
  const dir = process.env.SPANWATCH_REAL_CAPTURES;
  return dir ? join(dir, 'benign', 'ndpi_alexa-app.pcapng') : SHARED_ALEXA;
}

/**
 * Writes `packets` packets of realistic traffic to `path`; `packetsPerSecond` re-times them to a
 * constant rate (a busy link) instead of the capture's own timing. Returns what the traffic is.
 */
export async function writeRealisticInput(path: string, packets: number, packetsPerSecond?: number): Promise<string> {
  const base: Array<{ tsSec: number; tsNsec: number; data: Uint8Array; origLen: number }> = [];
  let source: string;
  const alexa = alexaCapture();
  if (existsSync(alexa)) {
    source = 'ndpi_alexa-app.pcapng repeated';
    await openFileSource([alexa]).run((r: PacketRecord) => {
      if (r.linkType === 1) base.push({ tsSec: r.tsSec, tsNsec: r.tsNsec, data: r.data.slice(), origLen: r.origLen });
    });
  } else {
    source = 'generated traffic mix';
    for (let k = 0; k < 200; k++) {
      for (const f of sampleTraffic({ startSec: 1_700_000_000 + k * 4 })) base.push({ tsSec: f.tsSec, tsNsec: f.tsNsec, data: f.frame, origLen: f.frame.length });
    }
  }
  const span = base[base.length - 1]!.tsSec - base[0]!.tsSec + 1;
  const w = new CaptureFileWriter(path, { format: 'pcap', linkType: 1, nanosecond: true });
  let n = 0;
  for (let rep = 0; n < packets; rep++) {
    for (const p of base) {
      if (n >= packets) break;
      if (packetsPerSecond === undefined) w.packet(p.tsSec + rep * span, p.tsNsec, p.data, p.origLen);
      else w.packet(base[0]!.tsSec + Math.floor(n / packetsPerSecond), Math.floor(((n % packetsPerSecond) * 1e9) / packetsPerSecond), p.data, p.origLen);
      n++;
    }
  }
  await w.close();
  return packetsPerSecond === undefined ? source : `${source}, re-timed to ${packetsPerSecond.toLocaleString('en')} packets/s`;
}

/**
 * Writes a spoofed SYN flood of `packets` packets at `packetsPerSecond` (random public sources to
 * one local web server); the sources repeat after `distinct` packets (the flood repeated: that many
 * concurrent flows).
 */
export async function writeSynFloodInput(path: string, packets: number, packetsPerSecond = 100_000, distinct = packets): Promise<void> {
  const w = new CaptureFileWriter(path, { format: 'pcap', linkType: 1, nanosecond: true });
  const frame = tcpFrame({ src: '1.0.0.1', dst: '10.0.0.5', sport: 1024, dport: 80, flags: TCP.SYN, seq: 1 });
  let x = 0x12345678;
  for (let i = 0; i < packets; i++) {
    if (i % distinct === 0) x = 0x12345678;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    // random public source address and port; checksums are not recomputed (nothing checks them)
    frame[26] = 1 + (x % 223); frame[27] = (x >>> 8) & 255; frame[28] = (x >>> 16) & 255; frame[29] = (x >>> 24) & 255;
    frame[34] = 4 + ((x >>> 4) & 0xfb); frame[35] = x & 255;
    w.packet(1_700_000_000 + Math.floor(i / packetsPerSecond), Math.floor(((i % packetsPerSecond) * 1e9) / packetsPerSecond), frame);
  }
  await w.close();
}
