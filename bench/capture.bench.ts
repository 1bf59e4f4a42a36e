// Capture pipeline throughput (read + decode + flows + windows) against tcpdump and tshark on the
// same files, measured in the same run, plus RSS with ~1 M concurrent flows.
//   A: realistic traffic (../shared/captures/benign/ndpi_alexa-app.pcapng repeated with shifted
//      timestamps when present, else generated), ~1 M packets
//   B: spoofed SYN flood, ~1 M packets, nearly every packet a new flow
// Then end to end (process start to exit) against nfpcapd -r, nfdump's C flow meter: the same two
// kinds of traffic repeated to ~5 M packets each (BENCH_E2E_PACKETS) and re-timed to a busy link
// (200,000 packets/s, so windows are full and start-up is amortised), through `spanwatch sensor --no-store --jsonl
// /dev/null` with 1 and 2 capture workers; and the peak RSS of 1 and 2 workers holding ~1 M
// concurrent flows (B). Every process's peak RSS comes from /usr/bin/time.
// Profiling: BENCH_INPUT=A or B runs one input only, and BENCH_TOOLS=0 skips the other tools (and
// the end-to-end part), so that `BENCH_INPUT=B BENCH_TOOLS=0 node --cpu-prof --import tsx bench/capture.bench.ts` profiles
// the pipeline alone (node passes --cpu-prof on to the child that runs it: its profile is the pipeline's).
// BENCH_RING=512MB runs the pipeline with the evidence packet ring (every packet copied into it).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineResult } from './pipelineRuns.ts';
import { writeRealisticInput, writeSynFloodInput } from './captureInputs.ts';

const TARGET_PACKETS = Number(process.env.BENCH_PACKETS ?? 1_000_000);
const ONLY_INPUT = process.env.BENCH_INPUT ?? '';
const RUN_TOOLS = process.env.BENCH_TOOLS !== '0';
/** runs of the pipeline per input; the best is reported (the first also warms up the JIT, as any long-running sensor is) */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const NO_TOOL: Rate = { wall: Number.NaN, main: Number.NaN, cpu: Number.NaN };
const E2E_PACKETS = Number(process.env.BENCH_E2E_PACKETS ?? 5_000_000);
const E2E_RATE = 200_000;
const SPANWATCH = join(import.meta.dirname, '..', 'bin', 'spanwatch');
const dir = mkdtempSync(join(tmpdir(), 'spanwatch-bench-'));

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
  if (ONLY_INPUT !== 'B') inputs.push([`A realistic (${await writeRealisticInput(a, TARGET_PACKETS)})`, a]);
  if (ONLY_INPUT !== 'A') {
    await writeSynFloodInput(b, TARGET_PACKETS);
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
  printTable(['input', 'rate per', 'packets', 'flows', 'spanwatch', 'tcpdump -nr', 'tshark conv,ip', 'vs tcpdump', 'vs tshark', 'RSS after'], rows);
  process.stdout.write(`spanwatch: best of ${ROUNDS} runs of a fresh pipeline (BENCH_ROUNDS)${process.env.BENCH_RING ? `, with a ${process.env.BENCH_RING} packet ring (BENCH_RING)` : ''}; tcpdump and tshark: one run each, file in the page cache\n`);
  process.stdout.write(`targets (one core): A ≥ 2 M pkt/s, B ≥ 1 M pkt/s; B holds ~${TARGET_PACKETS.toLocaleString('en')} concurrent flows (RSS after B)\n`);
  process.stdout.write(`node ${process.version}, ${execFileSync('nproc').toString().trim()} cores, load average ${loadAverage()}\n`);
  if (RUN_TOOLS) await endToEnd(ONLY_INPUT !== 'A' ? b : null);
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

interface ProcessRun {
  /** seconds from process start to exit */
  wall: number;
  /** user + system CPU seconds, all threads */
  cpu: number;
  /** peak resident set size, MB */
  rssMb: number;
}

const FAILED_RUN: ProcessRun = { wall: Number.NaN, cpu: Number.NaN, rssMb: Number.NaN };

/** Runs a command to its exit under /usr/bin/time (wall, CPU, peak RSS); NaNs when it fails or is missing. */
function timedRun(cmd: string, args: string[]): ProcessRun {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'TIMED %U %S %M', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const m = /TIMED ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || m === null) {
    process.stderr.write(`capture bench: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr ?? '').slice(-400)}\n`);
    return FAILED_RUN;
  }
  return { wall, cpu: Number(m[1]) + Number(m[2]), rssMb: Number(m[3]) / 1024 };
}

function sensorRun(path: string, workers: number): ProcessRun {
  return timedRun(SPANWATCH, ['sensor', '--no-store', '--sensor', 'bench', '--workers', String(workers), '--jsonl', '/dev/null', path]);
}

function nfpcapdRun(path: string): ProcessRun {
  const out = mkdtempSync(join(dir, 'nfpcapd-'));
  try {
    return timedRun('nfpcapd', ['-r', path, '-w', out]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function seconds(r: ProcessRun): string {
  return Number.isNaN(r.wall) ? 'n/a' : `${r.wall.toFixed(2)} s (CPU ${r.cpu.toFixed(2)} s, ${r.rssMb.toFixed(0)} MB)`;
}

function times(a: number, b: number): string {
  return Number.isNaN(a) || Number.isNaN(b) ? 'n/a' : `${(a / b).toFixed(2)}×`;
}

/** End to end against nfpcapd on the dense inputs, and the memory of 1 and 2 workers with ~1 M concurrent flows (`flood1M`). */
async function endToEnd(flood1M: string | null): Promise<void> {
  const inputs: Array<[string, string]> = [];
  if (ONLY_INPUT !== 'B') {
    const path = join(dir, 'realistic-dense.pcap');
    inputs.push([`A ${await writeRealisticInput(path, E2E_PACKETS, E2E_RATE)}`, path]);
  }
  if (ONLY_INPUT !== 'A') {
    const path = join(dir, 'synflood-dense.pcap');
    // the flood of B (its ~1 M sources) repeated, as the realistic traffic is
    await writeSynFloodInput(path, E2E_PACKETS, E2E_RATE, TARGET_PACKETS);
    inputs.push([`B SYN flood repeated, re-timed to ${E2E_RATE.toLocaleString('en')} packets/s`, path]);
  }
  const rows: string[][] = [];
  for (const [name, path] of inputs) {
    // the file in the page cache for every contender
    execFileSync('cat', [path], { stdio: ['ignore', 'ignore', 'ignore'] });
    const nf = nfpcapdRun(path);
    const one = sensorRun(path, 1);
    const two = sensorRun(path, 2);
    rows.push([
      name, E2E_PACKETS.toLocaleString('en'), seconds(nf), seconds(one), seconds(two),
      times(nf.wall, one.wall), times(nf.wall, two.wall), times(one.wall, two.wall),
    ]);
    rmSync(path);
  }
  const header = ['input', 'packets', 'nfpcapd -r', 'sensor --workers 1', 'sensor --workers 2', '1 worker vs nfpcapd', '2 workers vs nfpcapd', '1 → 2 workers'];
  printTable(header, rows);
  process.stdout.write('end to end, process start to exit (wall), one run each, file in the page cache; `spanwatch sensor --no-store --jsonl /dev/null`; ratios: nfpcapd\'s time over ours (> 1: faster than nfpcapd)\n');
  process.stdout.write(`targets (two cores): ≥ 1.0× nfpcapd on A and B with 2 workers, ≥ 1.6× from 1 to 2 workers on B; load average ${loadAverage()}\n`);
  if (flood1M !== null) {
    const one = sensorRun(flood1M, 1);
    const two = sensorRun(flood1M, 2);
    process.stdout.write(`peak RSS with ~1 M concurrent flows (B, ${TARGET_PACKETS.toLocaleString('en')} packets): 1 worker ${one.rssMb.toFixed(0)} MB, 2 workers ${two.rssMb.toFixed(0)} MB (target ≤ 400 MB)\n`);
  }
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n') + '\n');
}

main().finally(() => rmSync(dir, { recursive: true, force: true }));
