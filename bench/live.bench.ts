// Live capture against tcpdump on the same replay, in the same run: tcpreplay sends realistic traffic
// into one end of a veth pair this benchmark creates (and always removes), at a few fixed rates and at
// its top speed; tcpdump, then spanwatch (live source + CapturePipeline, in a process of its own so
// that this one's work takes no time from it), capture on the other end. The table shows where each
// begins to lose packets. Needs root, tcpreplay, tcpdump and ethtool.
//   BENCH_LIVE_PACKETS: packets per replay (default 1,000,000)
//   BENCH_LIVE_RATES: replay rates in packets/s, `top` for tcpreplay's top speed (default 200000,top)
// The capturing child is this file: `node --import tsx bench/live.bench.ts --capture IFACE MAC`.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CaptureFileWriter, CapturePipeline, openFileSource, openLiveSource, type PacketRecord } from '../capture/index.ts';
import { sampleTraffic } from '../datasets/index.ts';

const PACKETS = Number(process.env.BENCH_LIVE_PACKETS ?? 1_000_000);
const RATES = (process.env.BENCH_LIVE_RATES ?? '200000,top').split(',').map((r) => r.trim());
/** the same kernel buffer for both tools: tcpdump -B takes KiB */
const BUFFER_BYTES = 64 * 1024 * 1024;
/** tcpdump's ring blocks are handed over at the latest after its 1 s read timeout */
const TCPDUMP_SETTLE_MS = 1500;
/** spanwatch is stopped once it has accounted for every packet sent, or after this long without progress */
const STALL_MS = 2000;
const SHARED_ALEXA = join(import.meta.dirname, '..', '..', 'shared', 'captures', 'benign', 'ndpi_alexa-app.pcapng');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** tools and captures running now, stopped before the veth pair is deleted */
const children = new Set<ChildProcess>();

function start(cmd: string, args: string[], stdio: SpawnOptions['stdio']): ChildProcess {
  const child = spawn(cmd, args, { stdio });
  children.add(child);
  child.once('close', () => children.delete(child));
  return child;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** CPU time the main thread has run, in seconds (Linux schedstat: nanoseconds on the CPU). */
function mainThreadCpuSeconds(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
}

/** user + system CPU seconds of a running process, all threads (/proc/PID/stat, 100 ticks a second). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// ---- the capturing child ----

interface ChildResult {
  packets: number;
  packetsDropped: number;
  packetsIfDropped: number;
  windows: number;
  /** CPU seconds from opening the capture to its end: the main thread, and the process (all threads) */
  mainCpuSeconds: number;
  cpuSeconds: number;
}

/** Captures until SIGINT, printing `ready`, then `progress SEEN DROPPED` lines, then `result JSON`. */
async function captureChild(iface: string, mac: string): Promise<void> {
  let windows = 0;
  const pipeline = new CapturePipeline({ sensor: 'bench' }, () => { windows++; });
  const source = openLiveSource({ iface, bpf: `ether src ${mac}`, bufferBytes: BUFFER_BYTES });
  const cpu = process.cpuUsage();
  const main = mainThreadCpuSeconds();
  // run() opens the capture before it returns, so the ring is in place when `ready` is read
  const running = pipeline.run(source);
  process.once('SIGINT', () => pipeline.stop());
  const progress = setInterval(() => {
    process.stdout.write(`progress ${pipeline.totals().packets} ${source.counters().packetsDropped}\n`);
  }, 100);
  process.stdout.write('ready\n');
  try {
    await running;
  } finally {
    clearInterval(progress);
  }
  const used = process.cpuUsage(cpu);
  const { packetsDropped, packetsIfDropped } = source.counters();
  const result: ChildResult = {
    packets: pipeline.totals().packets, packetsDropped, packetsIfDropped, windows,
    mainCpuSeconds: mainThreadCpuSeconds() - main, cpuSeconds: (used.user + used.system) / 1e6,
  };
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
}

// ---- the replay ----

/** The realistic mix (as capture.bench.ts builds it), `count` packets, every frame from `mac`. */
async function buildReplay(path: string, mac: string, count: number): Promise<string> {
  const base: Array<{ tsSec: number; tsNsec: number; data: Uint8Array }> = [];
  let name: string;
  if (existsSync(SHARED_ALEXA)) {
    name = 'ndpi_alexa-app.pcapng repeated';
    await openFileSource([SHARED_ALEXA]).run((r: PacketRecord) => {
      if (r.linkType === 1 && r.capLen >= 14) base.push({ tsSec: r.tsSec, tsNsec: r.tsNsec, data: r.data.slice() });
    });
  } else {
    name = 'generated traffic mix';
    for (const f of sampleTraffic({ startSec: 1_700_000_000 })) if (f.frame.length >= 14) base.push({ tsSec: f.tsSec, tsNsec: f.tsNsec, data: f.frame.slice() });
  }
  const macBytes = mac.split(':').map((h) => parseInt(h, 16));
  for (const p of base) p.data.set(macBytes, 6);
  const span = base[base.length - 1]!.tsSec - base[0]!.tsSec + 1;
  const w = new CaptureFileWriter(path, { format: 'pcap', linkType: 1 });
  for (let n = 0, rep = 0; n < count; rep++) {
    for (let i = 0; i < base.length && n < count; i++, n++) w.packet(base[i]!.tsSec + rep * span, base[i]!.tsNsec, base[i]!.data);
  }
  await w.close();
  return name;
}

interface Replay {
  sent: number;
  /** the rate tcpreplay achieved, packets/s */
  pps: number;
}

/** tcpreplay with the file preloaded into memory, so that reading it does not pace the replay. */
async function replay(iface: string, rate: string, file: string): Promise<Replay> {
  const speed = rate === 'top' ? ['--topspeed'] : ['--pps', rate];
  const tcpreplay = start('tcpreplay', ['-i', iface, '--preload-pcap', ...speed, file], ['ignore', 'pipe', 'pipe']);
  let output = '';
  tcpreplay.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  tcpreplay.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  await exited(tcpreplay);
  const sent = /Successful packets:\s+(\d+)/.exec(output);
  const pps = /Rated:.*?([\d.]+) pps/.exec(output);
  if (tcpreplay.exitCode !== 0 || sent === null || pps === null) throw new Error(`tcpreplay failed (${tcpreplay.exitCode ?? tcpreplay.signalCode}):\n${output}`);
  return { sent: Number(sent[1]), pps: Number(pps[1]) };
}

// ---- the veth pair ----

interface Pair {
  send: string;
  capture: string;
}

/** locally administered, unique to this run, so that `ether src MAC` selects only the replay */
function uniqueMac(): string {
  return [0x02, 0x53, 0x42, ...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function pairNames(): Pair {
  const name = `swb${randomBytes(3).toString('hex')}`;
  return { send: `${name}a`, capture: `${name}b` };
}

function createPair(pair: Pair): void {
  sh('ip', ['link', 'add', pair.send, 'type', 'veth', 'peer', 'name', pair.capture]);
  for (const end of [pair.send, pair.capture]) {
    sh('sysctl', ['-q', '-w', `net.ipv6.conf.${end}.disable_ipv6=1`]);
    // with offloads on, libpcap sizes every ring slot for 64 KiB packets (see test/integration/capture-live.test.ts)
    sh('ethtool', ['-K', end, 'tso', 'off', 'gso', 'off', 'gro', 'off']);
    sh('ip', ['link', 'set', end, 'up']);
  }
}

/** Deleting one end deletes both; a pair whose creation failed may not exist. */
function deletePair(pair: Pair): void {
  if (existsSync(`/sys/class/net/${pair.send}`)) sh('ip', ['link', 'del', pair.send]);
}

/** Packets the receiving end dropped before any capture socket saw them (its input backlog full). */
function linkDrops(iface: string): number {
  return Number(readFileSync(`/sys/class/net/${iface}/statistics/rx_dropped`, 'utf8'));
}

// ---- one run per tool ----

interface Row {
  rate: string;
  tool: string;
  replay: Replay;
  captured: number;
  kernelDrops: number;
  linkDrops: number;
  windows: string;
  cpu: string;
  /** all threads' CPU seconds, for the ratio against tcpdump */
  cpuSeconds: number;
}

async function waitFor(ready: () => boolean, child: ChildProcess, what: string): Promise<void> {
  for (let waited = 0; !ready(); waited += 20) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited before it was ready`);
    if (waited > 15_000) throw new Error(`${what} was not ready after 15 s`);
    await sleep(20);
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('close', () => resolve());
  });
}

function tcpdumpCount(stderr: string, what: string): number {
  const m = new RegExp(`(\\d+) packets? ${what}`).exec(stderr);
  if (m === null) throw new Error(`tcpdump printed no "${what}" count:\n${stderr}`);
  return Number(m[1]);
}

async function tcpdumpRun(pair: Pair, mac: string, rate: string, file: string): Promise<Row> {
  const args = ['-i', pair.capture, '-n', '-B', String(BUFFER_BYTES / 1024), '-w', '/dev/null', `ether src ${mac}`];
  const tcpdump = start('tcpdump', args, ['ignore', 'ignore', 'pipe']);
  let stderr = '';
  tcpdump.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  await waitFor(() => stderr.includes('listening on'), tcpdump, 'tcpdump');
  const link = linkDrops(pair.capture);
  const sent = await replay(pair.send, rate, file);
  await sleep(TCPDUMP_SETTLE_MS);
  const cpu = processCpuSeconds(tcpdump.pid!);
  tcpdump.kill('SIGINT');
  await exited(tcpdump);
  return {
    rate, tool: 'tcpdump', replay: sent, captured: tcpdumpCount(stderr, 'captured'), kernelDrops: tcpdumpCount(stderr, 'dropped by kernel'),
    linkDrops: linkDrops(pair.capture) - link, windows: '—', cpu: cpu.toFixed(2), cpuSeconds: cpu,
  };
}

/** Waits until `accounted()` reaches `sent`, or has not moved for STALL_MS. */
async function settle(accounted: () => number, sent: number): Promise<void> {
  let last = accounted();
  let moved = Date.now();
  while (accounted() < sent && Date.now() - moved < STALL_MS) {
    await sleep(100);
    if (accounted() !== last) {
      last = accounted();
      moved = Date.now();
    }
  }
}

async function spanwatchRun(pair: Pair, mac: string, rate: string, file: string): Promise<Row> {
  const child = start(process.execPath, [...process.execArgv, import.meta.filename, '--capture', pair.capture, mac], ['ignore', 'pipe', 'pipe']);
  // libpcap warns that the capture end has no IPv4 address (it needs none); anything else is passed on
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (!line.includes('no IPv4 address assigned')) process.stderr.write(`${line}\n`);
  });
  let ready = false;
  let accounted = 0;
  let result: ChildResult | null = null;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [kind, ...rest] = line.split(' ');
    if (kind === 'ready') ready = true;
    else if (kind === 'progress') accounted = Number(rest[0]) + Number(rest[1]);
    else if (kind === 'result') result = JSON.parse(rest.join(' ')) as ChildResult;
  });
  await waitFor(() => ready, child, 'the spanwatch capture');
  const link = linkDrops(pair.capture);
  const sent = await replay(pair.send, rate, file);
  await settle(() => accounted, sent.sent);
  child.kill('SIGINT');
  await exited(child);
  const r = result as ChildResult | null;
  if (r === null) throw new Error(`the spanwatch capture exited with ${child.exitCode ?? child.signalCode} and no result`);
  return {
    rate, tool: 'spanwatch', replay: sent, captured: r.packets, kernelDrops: r.packetsDropped + r.packetsIfDropped,
    linkDrops: linkDrops(pair.capture) - link, windows: String(r.windows),
    cpu: `${r.cpuSeconds.toFixed(2)} (main ${r.mainCpuSeconds.toFixed(2)})`,
    cpuSeconds: r.cpuSeconds,
  };
}

// ---- the table ----

function rowCells(r: Row, rows: Row[]): string[] {
  const peer = rows.find((o) => o.rate === r.rate && o.tool === 'tcpdump');
  const vsTcpdump = peer === undefined || r.tool === 'tcpdump' || peer.cpuSeconds === 0 ? '—' : `${(r.cpuSeconds / peer.cpuSeconds).toFixed(1)}×`;
  const loss = r.replay.sent === 0 ? 0 : (100 * (r.replay.sent - r.captured)) / r.replay.sent;
  return [
    r.rate === 'top' ? 'top speed' : `${Number(r.rate).toLocaleString('en')}/s`, r.tool, String(r.replay.sent), String(r.captured),
    String(r.kernelDrops), String(r.linkDrops), `${loss.toFixed(2)} %`, `${Math.round(r.replay.pps).toLocaleString('en')}/s`, r.windows, r.cpu, vsTcpdump,
  ];
}

function printTable(rows: Row[], input: string): void {
  const header = ['replay rate', 'tool', 'sent', 'captured', 'kernel drops', 'link drops', 'loss', 'tcpreplay achieved', 'windows', 'CPU s', 'CPU vs tcpdump'];
  const cells = rows.map((r) => rowCells(r, rows));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n') + '\n');
  process.stdout.write(
    `input: ${input}, ${PACKETS.toLocaleString('en')} packets a replay; both tools: ${BUFFER_BYTES / 2 ** 20} MiB kernel buffer, BPF 'ether src MAC'\n` +
      'kernel drops: the capture ring was full (spanwatch: packetsDropped + packetsIfDropped); link drops: the receiving end dropped the packet before any capture saw it\n' +
      'CPU s: the capturing process while it captured (spanwatch: all threads, and its main thread; it also decodes, tracks flows and cuts windows, tcpdump writes to /dev/null); ' +
      'tcpreplay achieved: the replay shares the cores with the capture, so a busier capture slows it\n',
  );
  process.stdout.write(`node ${process.version}, ${execFileSync('nproc').toString().trim()} cores, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
}

// ---- main ----

function checkSetup(): void {
  if (process.getuid?.() !== 0) throw new Error('live.bench.ts creates a veth pair and captures on it: run it as root');
  for (const tool of ['tcpreplay', 'tcpdump', 'ethtool', 'ip']) {
    if (sh('sh', ['-c', `command -v ${tool} || true`]).trim() === '') throw new Error(`live.bench.ts needs ${tool} (scripts/setup.sh installs it)`);
  }
}

async function main(): Promise<void> {
  checkSetup();
  const dir = mkdtempSync(join(tmpdir(), 'spanwatch-bench-live-'));
  const pair = pairNames();
  const cleanup = (): void => {
    for (const child of children) child.kill('SIGINT');
    deletePair(pair);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const mac = uniqueMac();
    const file = join(dir, 'replay.pcap');
    const input = await buildReplay(file, mac, PACKETS);
    createPair(pair);
    const rows: Row[] = [];
    for (const rate of RATES) {
      rows.push(await tcpdumpRun(pair, mac, rate, file));
      rows.push(await spanwatchRun(pair, mac, rate, file));
    }
    printTable(rows, input);
  } finally {
    cleanup();
  }
}

if (process.argv[2] === '--capture') {
  await captureChild(process.argv[3]!, process.argv[4]!);
} else {
  await main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
