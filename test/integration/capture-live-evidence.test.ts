// Evidence from a live interface: `spanwatch sensor --interface` captures on a veth pair whose other
// end sits in a network namespace this test creates; tcpreplay sends workstation chatter and a
// port scan mixed into it. The pcap kept for the scan anomaly must hold only packets with one of
// the anomaly's hosts as an end, all within the stated interval, and exactly the packets of those
// hosts in that interval that an independent tcpdump on the same interface saw (read with tshark
// and capinfos). Everything started here is torn down, pass or fail.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter, type EvidenceRecord } from '../../capture/index.ts';
import { TCP, dnsQuery, dnsResponse, tcpFrame, udpFrame } from '../../datasets/index.ts';
import type { Anomaly } from '../../model/index.ts';
import { ChildProcesses } from '../helpers/childProcesses.ts';
import { withoutRoot } from '../helpers/privileges.ts';

const SPANWATCH = resolve('bin/spanwatch');
const LOCAL_NET = '10.78.0.0/24';
const SCANNER = '10.78.0.66';
const TARGET = '10.78.0.5';
const SCAN_PORTS = 300;
const WORKSTATIONS = ['10.78.0.10', '10.78.0.11', '10.78.0.12'];
const tag = `${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
const NETNS = `swev${tag}`;
const CAPTURE_END = `swev${tag}a`;
const SEND_END = `swev${tag}b`;
const hasEthtool = execFileSync('sh', ['-c', 'command -v ethtool || true'], { encoding: 'utf8' }).trim() !== '';

let dir: string;
const procs = new ChildProcesses();
let sensor: ChildProcess;
let tcpdump: ChildProcess;
let anomaly: Anomaly;
let record: EvidenceRecord;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
}

/** One round of workstation chatter: a DNS lookup and an HTTPS exchange from each workstation. */
function chatter(w: CaptureFileWriter, tsSec: number, round: number): void {
  for (const [h, host] of WORKSTATIONS.entries()) {
    const remote = `198.51.100.${20 + ((round + h) % 5)}`;
    const sport = 40000 + ((round * 3 + h) % 20000);
    const ns = h * 200_000_000;
    if (round % 10 === h) {
      w.packet(tsSec, ns, udpFrame({ src: host, dst: '10.78.0.1', sport, dport: 53, payload: dnsQuery({ id: round, name: `www${h}.example.com` }) }));
      w.packet(tsSec, ns + 1_000_000, udpFrame({ src: '10.78.0.1', dst: host, sport: 53, dport: sport, payload: dnsResponse({ id: round, name: `www${h}.example.com`, answers: [remote] }) }));
    }
    w.packet(tsSec, ns + 2_000_000, tcpFrame({ src: host, dst: remote, sport, dport: 443, flags: TCP.SYN }));
    w.packet(tsSec, ns + 3_000_000, tcpFrame({ src: remote, dst: host, sport: 443, dport: sport, flags: TCP.SYN | TCP.ACK }));
    w.packet(tsSec, ns + 4_000_000, tcpFrame({ src: host, dst: remote, sport, dport: 443, flags: TCP.ACK, payload: 400 }));
    w.packet(tsSec, ns + 5_000_000, tcpFrame({ src: remote, dst: host, sport: 443, dport: sport, flags: TCP.ACK, payload: 1200 }));
    w.packet(tsSec, ns + 6_000_000, tcpFrame({ src: host, dst: remote, sport, dport: 443, flags: TCP.FIN | TCP.ACK }));
  }
}

/** Ten minutes of the quiet office, timed an hour ago: what the model learns as normal. */
async function writeNormal(path: string): Promise<void> {
  const w = new CaptureFileWriter(path, { format: 'pcap', linkType: 1 });
  const t0 = Math.floor(Date.now() / 1000) - 3600;
  for (let s = 0; s < 600; s++) chatter(w, t0 + s, s);
  await w.close();
}

/** Chatter alone (`scan` false), or the scan with chatter mixed in and a workstation reaching the target. */
async function writeLive(path: string, scan: boolean): Promise<void> {
  const w = new CaptureFileWriter(path, { format: 'pcap', linkType: 1 });
  if (!scan) {
    for (let r = 0; r < 20; r++) chatter(w, r, r);
  } else {
    for (let p = 0; p < SCAN_PORTS; p++) {
      const port = 1000 + p;
      w.packet(0, p * 1_000_000, tcpFrame({ src: SCANNER, dst: TARGET, sport: 50000, dport: port, flags: TCP.SYN }));
      w.packet(0, p * 1_000_000 + 500_000, tcpFrame({ src: TARGET, dst: SCANNER, sport: port, dport: 50000, flags: TCP.RST | TCP.ACK }));
      if (p % 30 === 0) chatter(w, 0, p);
      if (p % 100 === 50) w.packet(0, p * 1_000_000 + 700_000, tcpFrame({ src: WORKSTATIONS[0]!, dst: TARGET, sport: 41000 + p, dport: 445, flags: TCP.SYN }));
    }
  }
  await w.close();
}

function replay(file: string): void {
  sh('ip', ['netns', 'exec', NETNS, 'tcpreplay', '-q', '-i', SEND_END, '--pps', '400', join(dir, file)]);
}

/** The anomalies the sensor wrote so far. */
function anomaliesSoFar(): Anomaly[] {
  const path = join(dir, 'out.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('{"type":"anomaly"')).map((l) => (JSON.parse(l) as { data: Anomaly }).data);
}

interface Row { t: number; src: string; dst: string }

/** Every packet of a pcap as tshark reads it: time (µs), source and destination address. */
function packets(pcap: string): Row[] {
  const out = sh('tshark', ['-r', pcap, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ip.dst']).trim();
  if (!out) return [];
  return out.split('\n').map((l) => {
    const [t, src, dst] = l.split('\t');
    return { t: Math.round(Number(t) * 1e6), src: (src ?? '').split(',')[0]!, dst: (dst ?? '').split(',')[0]! };
  });
}

const key = (r: Row): string => `${r.t} ${r.src} ${r.dst}`;

beforeAll(async () => {
  if (process.getuid?.() !== 0) return;
  dir = mkdtempSync(join(tmpdir(), 'spanwatch-live-evidence-'));
  await writeNormal(join(dir, 'normal.pcap'));
  await writeLive(join(dir, 'chatter.pcap'), false);
  await writeLive(join(dir, 'scan.pcap'), true);
  const models = join(dir, 'models');
  execFileSync(SPANWATCH, ['train', '--pcap', join(dir, 'normal.pcap'), '--local-net', LOCAL_NET, '--models', models, '--promote', '--epochs', '3'], { stdio: 'ignore', timeout: 180_000 });

  sh('ip', ['netns', 'add', NETNS]);
  sh('ip', ['link', 'add', CAPTURE_END, 'type', 'veth', 'peer', 'name', SEND_END, 'netns', NETNS]);
  sh('sysctl', ['-qw', `net.ipv6.conf.${CAPTURE_END}.disable_ipv6=1`]);
  sh('ip', ['link', 'set', CAPTURE_END, 'up']);
  sh('ip', ['netns', 'exec', NETNS, 'ip', 'link', 'set', SEND_END, 'up']);
  if (hasEthtool) sh('ethtool', ['-K', CAPTURE_END, 'tso', 'off', 'gso', 'off', 'gro', 'off']);

  // the independent witness: everything the interface carried, with the kernel's timestamps
  tcpdump = (await procs.start('tcpdump', 'tcpdump', ['-i', CAPTURE_END, '-n', '-U', '--immediate-mode', '-Z', 'root', '--time-stamp-precision=nano', '-w', join(dir, 'witness.pcap')], /listening on/)).child;
  sensor = (await procs.start('sensor', SPANWATCH, [
    'sensor', '--interface', CAPTURE_END, '--sensor', 'live-ev', '--local-net', LOCAL_NET, '--model', 'latest', '--models', models,
    '--no-store', '--jsonl', join(dir, 'out.jsonl'), '--evidence-dir', join(dir, 'evidence'), '--evidence-max', '16MB',
  ], /capturing on/i)).child;

  replay('chatter.pcap');
  replay('scan.pcap');
  const deadline = Date.now() + 60_000;
  while (!anomaliesSoFar().some((a) => a.kind === 'scan') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  replay('chatter.pcap');
  // libpcap hands packets over a ring block at a time (or when its timeout passes): let the last
  // block reach both captures before they stop
  await new Promise((r) => setTimeout(r, 3000));
  // the capture ends: the recorder completes every pcap it holds
  await procs.stop(sensor);
  await procs.stop(tcpdump);
  const scans = anomaliesSoFar().filter((a) => a.kind === 'scan' && a.subject.localHost === SCANNER);
  if (scans.length === 0) throw new Error(`no scan anomaly of ${SCANNER}; sensor said: ${procs.logs.sensor}`);
  anomaly = scans.at(-1)!;
  const evidenceDir = join(dir, 'evidence');
  const records = readdirSync(evidenceDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(evidenceDir, f), 'utf8')) as EvidenceRecord);
  const mine = records.find((r) => r.anomalyId === anomaly.id);
  if (!mine) throw new Error(`no evidence record for ${anomaly.id} among ${records.map((r) => r.anomalyId).join(', ')}; sensor said: ${procs.logs.sensor}`);
  record = mine;
}, 300_000);

afterAll(async () => {
  await procs.stopAll();
  try { sh('ip', ['link', 'del', CAPTURE_END]); } catch { /* already gone with the namespace */ }
  try { sh('ip', ['netns', 'del', NETNS]); } catch { /* never created */ }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(withoutRoot('live evidence on a veth pair and a network namespace it creates'))('evidence of an anomaly captured on a live interface', () => {
  it('keeps a complete pcap for the scan, naming its hosts and interval', () => {
    expect(record.state).toBe('complete');
    expect(record.hosts).toContain(SCANNER);
    expect(record.gaps).toBe(0);
    expect(record.file).toBeDefined();
    expect(record.from).toBeLessThanOrEqual(anomaly.start);
    expect(record.to).toBeGreaterThanOrEqual(anomaly.end);
    const count = sh('capinfos', ['-c', '-M', join(dir, 'evidence', record.file!)]);
    expect(Number(/Number of packets:\s+(\d+)/.exec(count)?.[1])).toBe(record.packets);
    expect(record.packets).toBeGreaterThanOrEqual(2 * SCAN_PORTS);
  });

  it("holds only packets with one of the subject's hosts as an end, within the interval", () => {
    const rows = packets(join(dir, 'evidence', record.file!));
    expect(rows.length).toBe(record.packets);
    const outside = rows.filter((r) => !record.hosts.includes(r.src) && !record.hosts.includes(r.dst));
    expect(outside).toEqual([]);
    const early = rows.filter((r) => r.t < record.from * 1000 || r.t > record.to * 1000);
    expect(early).toEqual([]);
    // the workstation chatter went past the sensor in the same seconds, and none of it was kept
    expect(rows.some((r) => WORKSTATIONS.includes(r.src) && !record.hosts.includes(r.dst))).toBe(false);
  });

  it('holds every packet of those hosts in the interval that tcpdump saw on the interface', () => {
    const witness = packets(join(dir, 'witness.pcap'));
    // the interface carried the chatter too: the filter had something to leave out
    expect(witness.some((r) => WORKSTATIONS.includes(r.src) && !record.hosts.includes(r.dst))).toBe(true);
    const expected = witness
      .filter((r) => record.hosts.includes(r.src) || record.hosts.includes(r.dst))
      .filter((r) => r.t >= record.from * 1000 && r.t <= record.to * 1000)
      .map(key).sort();
    const kept = packets(join(dir, 'evidence', record.file!)).map(key).sort();
    expect(kept).toEqual(expected);
    // a workstation's packets to the target are among them: either end counts
    expect(kept.some((k) => k.includes(`${WORKSTATIONS[0]} ${TARGET}`))).toBe(true);
  });
});
