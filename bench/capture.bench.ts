// Capture pipeline throughput (read + decode + flows + windows) against tcpdump and tshark on the
// same files, measured in the same run, plus RSS with ~1 M concurrent flows.
//   A: realistic traffic (../shared/captures/benign/ndpi_alexa-app.pcapng repeated with shifted
//      timestamps when present, else generated), ~1 M packets
//   B: spoofed SYN flood, ~1 M packets, nearly every packet a new flow
// Profiling: BENCH_INPUT=A or B runs one input only, and BENCH_TOOLS=0 skips tcpdump and tshark, so
// that `BENCH_INPUT=B BENCH_TOOLS=0 node --cpu-prof --import tsx bench/capture.bench.ts` profiles
// the pipeline alone (node passes --cpu-prof on to the child that runs it: its profile is the pipeline's).
// BENCH_RING=512MB runs the pipeline with the evidence packet ring (every packet copied into it).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureFileWriter, openFileSource, type PacketRecord } from '../capture/index.ts';
import type { PipelineResult } from './pipelineRuns.ts';
import { TCP, sampleTraffic, tcpFrame } from '../datasets/index.ts';

const TARGET_PACKETS = Number(process.env.BENCH_PACKETS ?? 1_000_000);
const ONLY_INPUT = process.env.BENCH_INPUT ?? '';
const RUN_TOOLS = process.env.BENCH_TOOLS !== '0';
/** runs of the pipeline per input; the best is reported (the first also warms up the JIT, as any long-running sensor is) */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const NO_TOOL: Rate = { wall: Number.NaN, main: Number.NaN, cpu: Number.NaN };
const SHARED_ALEXA = join(import.meta.dirname, '..', '..', 'shared', 'captures', 'benign', 'ndpi_alexa-app.pcapng');
const dir = mkdtempSync(join(tmpdir(), 'spanwatch-bench-'));

async function buildRealistic(path: string): Promise<string> {
  const base: Array<{ tsSec: number; tsNsec: number; data: Uint8Array; origLen: number }> = [];
  let source: string;
  if (existsSync(SHARED_ALEXA)) {
    source = 'ndpi_alexa-app.pcapng repeated';
    await openFileSource([SHARED_ALEXA]).run((r: PacketRecord) => {
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
  for (let rep = 0; n < TARGET_PACKETS; rep++) {
    for (const p of base) {
      if (n++ >= TARGET_PACKETS) break;
      w.packet(p.tsSec + rep * span, p.tsNsec, p.data, p.origLen);
    }
  }
  await w.close();
  return source;
}

async function buildSynFlood(path: string): Promise<void> {
  const w = new CaptureFileWriter(path, { format: 'pcap', linkType: 1, nanosecond: true });
  const frame = tcpFrame({ src: '1.0.0.1', dst: '10.0.0.5', sport: 1024, dport: 80, flags: TCP.SYN, seq: 1 });
  let x = 0x12345678;
  for (let i = 0; i < TARGET_PACKETS; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    // random public source address and port; checksums are not recomputed (nothing checks them)
    frame[26] = 1 + (x % 223); frame[27] = (x >>> 8) & 255; frame[28] = (x >>> 16) & 255; frame[29] = (x >>> 24) & 255;
    frame[34] = 4 + ((x >>> 4) & 0xfb); frame[35] = x & 255;
    w.packet(1_700_000_000 + Math.floor(i / 100_000), (i % 100_000) * 10_000, frame);
  }
  await w.close();
}

interface Rate {
  /** packets per second of wall time */
  wall: number;
  /** packets per second of the main thread's CPU time: the one core the pipeline runs on */
  main: number;
  /** packets per second of the process's CPU time, all threads (file reads, GC helpers): less sensitive to other load than wall time */
  cpu: number;
}

/**
 * The pipeline's rates on one capture, measured in a process of its own (bench/pipelineRuns.ts),
 * as a sensor runs: not in this process, whose heap holds the inputs it built and the tables of
 * the runs before.
 */
function pipelineRate(path: string): PipelineResult {
  const r = spawnSync(process.execPath, [...process.execArgv, join(import.meta.dirname, 'pipelineRuns.ts'), path, String(ROUNDS)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`bench/pipelineRuns.ts ${path} exited with ${r.status ?? r.signal}`);
  return JSON.parse(r.stdout) as PipelineResult;
}

/** CPU seconds used by waited-for children of this process (Linux: cutime + cstime in /proc/self/stat). */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function toolRate(cmd: string, args: string[], packets: number): Rate {
  const t = process.hrtime.bigint();
  const c = childCpuSeconds();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] });
  if (r.status !== 0) return NO_TOOL;
  const cpu = packets / (childCpuSeconds() - c);
  // the tools' CPU time (all their threads; tcpdump has one) stands in for both CPU rows
  return { wall: packets / (Number(process.hrtime.bigint() - t) / 1e9), main: cpu, cpu };
}

function fmt(pps: number): string {
  return Number.isNaN(pps) ? 'n/a' : `${(pps / 1e6).toFixed(2)} M/s`;
}

function ratio(ours: number, tool: number): string {
  return Number.isNaN(tool) ? 'n/a' : `${(ours / tool).toFixed(2)}×`;
}

async function main(): Promise<void> {
  const a = join(dir, 'realistic.pcap');
  const b = join(dir, 'synflood.pcap');
  const inputs: Array<[string, string]> = [];
  if (ONLY_INPUT !== 'B') inputs.push([`A realistic (${await buildRealistic(a)})`, a]);
  if (ONLY_INPUT !== 'A') {
    await buildSynFlood(b);
    inputs.push(['B SYN flood (new flow per packet)', b]);
  }
  const rows: string[][] = [];
  for (const [name, path] of inputs) {
    const ours = pipelineRate(path);
    const tcpdump = RUN_TOOLS ? toolRate('tcpdump', ['-nr', path], ours.packets) : NO_TOOL;
    const tshark = RUN_TOOLS ? toolRate('tshark', ['-r', path, '-q', '-z', 'conv,ip'], ours.packets) : NO_TOOL;
    for (const kind of ['wall', 'main', 'cpu'] as const) {
      rows.push([
        name, kind === 'wall' ? 'wall time' : kind === 'main' ? 'main-thread CPU' : 'process CPU', String(ours.packets), String(ours.flows),
        fmt(ours[kind]), fmt(tcpdump[kind]), fmt(tshark[kind]),
        ratio(ours[kind], tcpdump[kind]), ratio(ours[kind], tshark[kind]), `${ours.rssMb.toFixed(0)} MB`,
      ]);
    }
  }
  const header = ['input', 'rate per', 'packets', 'flows', 'spanwatch', 'tcpdump -nr', 'tshark conv,ip', 'vs tcpdump', 'vs tshark', 'RSS after'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n') + '\n');
  process.stdout.write(`spanwatch: best of ${ROUNDS} runs of a fresh pipeline (BENCH_ROUNDS)${process.env.BENCH_RING ? `, with a ${process.env.BENCH_RING} packet ring (BENCH_RING)` : ''}; tcpdump and tshark: one run each, file in the page cache\n`);
  process.stdout.write(`targets (one core): A ≥ 2 M pkt/s, B ≥ 1 M pkt/s; B holds ~${TARGET_PACKETS.toLocaleString('en')} concurrent flows (RSS after B)\n`);
  process.stdout.write(`node ${process.version}, ${execFileSync('nproc').toString().trim()} cores, load average ${execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ')}\n`);
}

main().finally(() => rmSync(dir, { recursive: true, force: true }));
