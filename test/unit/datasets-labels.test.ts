// The test preset's labels agree with its traffic: each labelled incident is in the capture where
// and when the label says, the nightly backup happens at its hour, the office sleeps at night.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatasetManifest, generateDataset, type IncidentLabel, LABELLED_KINDS, parseLabels, presetOptions } from '../../datasets/index.ts';
import { type Frame, readFrames } from './datasets-frames.ts';

const SYN = 2;
const RST = 4;
const ACK = 16;

let dir: string;
let manifest: DatasetManifest;
let incidentDay: Frame[];

function incident(id: string): IncidentLabel {
  const i = manifest.labels.incidents.find((x) => x.id === id);
  if (!i) throw new Error(`no incident '${id}' in the labels`);
  return i;
}

const within = (f: Frame, r: { start: number; end: number }): boolean => f.ms >= r.start && f.ms <= r.end;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spanwatch-datasets-'));
  const started = performance.now();
  manifest = await generateDataset(presetOptions('test', dir));
  const seconds = (performance.now() - started) / 1000;
  const disk = manifest.files.reduce((s, f) => s + f.sizeBytes, 0);
  process.stdout.write(`test preset: ${manifest.packets} packets, ${(disk / 1e6).toFixed(1)} MB on disk, generated in ${seconds.toFixed(1)} s\n`);
  incidentDay = await readFrames(join(dir, manifest.files[manifest.files.length - 1]!.file));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('generated dataset: files and labels', () => {
  it('writes one capture per day, labels.json, ioc.txt and criticality.json that parse', async () => {
    expect(manifest.files.map((f) => f.file)).toEqual(['day-1.pcap', 'day-2.pcap', 'day-3.pcap']);
    const labels = parseLabels(JSON.parse(await readFile(join(dir, 'labels.json'), 'utf8')), 'labels.json');
    expect(labels).toEqual(manifest.labels);
    expect(labels.localNets).toEqual(['10.0.0.0/24']);
    expect(labels.trainRange).toEqual({ start: manifest.files[0]!.start, end: manifest.files[2]!.start });
    const kinds = new Set(labels.incidents.map((i) => i.kind));
    // every kind but role-change (an enterprise incident) is on the office's incident day
    expect([...kinds].sort()).toEqual(LABELLED_KINDS.filter((k) => k !== 'role-change').sort());
    for (const i of labels.incidents) {
      expect(i.start).toBeGreaterThanOrEqual(manifest.files[2]!.start);
      expect(i.end).toBeLessThanOrEqual(manifest.files[2]!.end);
    }
    const ioc = (await readFile(join(dir, labels.iocFile), 'utf8')).split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
    expect(ioc).toContain(incident('threat-intel-domain').remote);
    expect(ioc.some((l) => incident('threat-intel-domain').domain!.endsWith(l))).toBe(true);
    const crit = JSON.parse(await readFile(join(dir, labels.criticalityFile), 'utf8')) as Array<{ cidr: string; criticality: string }>;
    expect(crit).toContainEqual(expect.objectContaining({ cidr: '10.0.0.10/32', criticality: 'critical' }));
  });

  it('keeps incidents apart in time so that matching is unambiguous', () => {
    const all = [...manifest.labels.incidents, ...manifest.labels.lookAlikes].sort((a, b) => a.start - b.start);
    for (let i = 1; i < all.length; i++) expect(all[i]!.start, `${all[i]!.id} overlaps ${all[i - 1]!.id}`).toBeGreaterThan(all[i - 1]!.end + 5 * 60_000);
  });

  it('counts agree with capinfos, an independent reader', () => {
    for (const f of manifest.files) {
      const out = execFileSync('capinfos', ['-M', '-c', '-d', '-T', '-r', join(dir, f.file)], { encoding: 'utf8' }).trim().split('\t');
      expect(Number(out[1]), `${f.file} packets`).toBe(f.packets);
      expect(Number(out[2]), `${f.file} bytes on the wire`).toBe(f.wireBytes);
    }
  });

  it('tcpdump sees the labelled vertical scan: one source, 1000 destination ports on one host', () => {
    const scan = incident('scan-vertical');
    const lines = execFileSync('tcpdump', ['-r', join(dir, 'day-3.pcap'), '-nn', '-tt', `tcp[tcpflags] == tcp-syn and src host ${scan.host} and dst host ${scan.remote}`],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 }).trim().split('\n');
    const ports = new Set<string>();
    for (const line of lines) {
      const m = /^(\d+\.\d+) IP \S+ > [\d.]+\.(\d+):/.exec(line);
      if (m && Number(m[1]) * 1000 >= scan.start && Number(m[1]) * 1000 <= scan.end) ports.add(m[2]!);
    }
    expect(ports.size).toBe(1000);
  });
});

describe('generated dataset: incidents are in the traffic where the labels say', () => {
  it('vertical scan: SYNs to 1000 ports of the target, mostly unanswered or reset', () => {
    const scan = incident('scan-vertical');
    const inside = incidentDay.filter((f) => within(f, scan));
    const syns = inside.filter((f) => f.proto === 'tcp' && f.src === scan.host && f.dst === scan.remote && f.tcpFlags === SYN);
    expect(new Set(syns.map((f) => f.dport)).size).toBe(1000);
    const synAcks = inside.filter((f) => f.src === scan.remote && f.dst === scan.host && f.tcpFlags === (SYN | ACK));
    const resets = inside.filter((f) => f.src === scan.remote && f.dst === scan.host && (f.tcpFlags & RST) !== 0);
    expect(synAcks.length).toBe(3);
    expect(resets.length).toBeGreaterThan(200);
    expect(synAcks.length + resets.length).toBeLessThan(syns.length / 2);
    // nothing of the scan outside its label
    expect(incidentDay.filter((f) => !within(f, scan) && f.src === scan.host && f.dst === scan.remote && f.tcpFlags === SYN && f.dport !== 445).length).toBe(0);
  });

  it('horizontal scan: SYNs to port 445 of every address in the /24', () => {
    const scan = incident('scan-horizontal');
    const syns = incidentDay.filter((f) => within(f, scan) && f.src === scan.host && f.dport === 445 && f.tcpFlags === SYN);
    expect(new Set(syns.map((f) => f.dst)).size).toBe(253);
  });

  it('beaconing: one connection to the same remote every 30 ± 1 s for an hour', () => {
    const b = incident('beaconing');
    const syns = incidentDay.filter((f) => f.src === b.host && f.dst === b.remote && f.tcpFlags === SYN);
    expect(syns.length).toBe(120);
    expect(syns.every((f) => within(f, b))).toBe(true);
    for (let i = 1; i < syns.length; i++) {
      const gap = (syns[i]!.ms - syns[i - 1]!.ms) / 1000;
      expect(gap).toBeGreaterThanOrEqual(29);
      expect(gap).toBeLessThanOrEqual(31);
    }
    expect((b.end - b.start) / 60_000).toBeGreaterThan(59);
  });

  it('host-silent: the server that logs every 10 s sends nothing inside the label, and is heard right before and after', () => {
    const s = incident('host-silent');
    const from = incidentDay.filter((f) => f.src === s.host);
    expect(from.filter((f) => f.ms > s.start && f.ms < s.end)).toHaveLength(0);
    expect(from.filter((f) => f.ms > s.start - 20_000 && f.ms <= s.start).length).toBeGreaterThan(0);
    expect(from.filter((f) => f.ms >= s.end && f.ms < s.end + 30_000).length).toBeGreaterThan(0);
    expect((s.end - s.start) / 60_000).toBeGreaterThanOrEqual(10);
  });

  it('exfiltration goes out, the look-alike download comes in', () => {
    const x = incident('exfiltration');
    const bytes = (r: { start: number; end: number }, src: string, dst: string): number =>
      incidentDay.filter((f) => within(f, r) && f.src === src && f.dst === dst).reduce((s, f) => s + f.wireLen, 0);
    expect(bytes(x, x.host!, x.remote!)).toBeGreaterThan(15e6);
    expect(bytes(x, x.remote!, x.host!)).toBeLessThan(bytes(x, x.host!, x.remote!) / 5);
    const dl = manifest.labels.lookAlikes[0]!;
    expect(bytes(dl, dl.remote!, dl.host)).toBeGreaterThan(20e6);
    expect(bytes(dl, dl.host, dl.remote!)).toBeLessThan(bytes(dl, dl.remote!, dl.host) / 5);
    expect(manifest.labels.incidents.some((i) => i.start <= dl.end && i.end >= dl.start)).toBe(false);
  });

  it('the remote of new-destination and exfiltration is never seen before the incident day', async () => {
    const remotes = new Set([incident('new-destination').remote, incident('exfiltration').remote]);
    for (const f of manifest.files.slice(0, -1)) {
      const hits = await readFrames(join(dir, f.file), (fr) => remotes.has(fr.src) || remotes.has(fr.dst));
      expect(hits, f.file).toHaveLength(0);
    }
  });

  it('dns-tunnel: thousands of long hex names under one domain from one host', () => {
    const t = incident('dns-tunnel');
    const queries = incidentDay.filter((f) => within(f, t) && f.src === t.host && f.dport === 53);
    expect(queries.length).toBeGreaterThan(4000);
    expect(queries.every((f) => f.dnsName.endsWith(`.${t.domain}`) && f.dnsName.length > 80)).toBe(true);
    expect(new Set(queries.map((f) => f.dnsName)).size).toBe(queries.length);
  });

  it('error surges: a reset for every attempt, NXDOMAIN for every lookup', () => {
    const rst = incident('rst-storm');
    const resets = incidentDay.filter((f) => within(f, rst) && f.src === rst.remote && f.dst === rst.host && (f.tcpFlags & RST) !== 0);
    expect(resets.length).toBeGreaterThan(2000);
    const nx = incident('nxdomain-storm');
    const answers = incidentDay.filter((f) => within(f, nx) && f.dst === nx.host && f.sport === 53);
    expect(answers.length).toBeGreaterThan(2000);
    expect(answers.every((f) => (f.dnsFlags & 0x0f) === 3)).toBe(true);
  });

  it('threat-intel: the listed domain is looked up and its listed address contacted', () => {
    const ti = incident('threat-intel-domain');
    expect(incidentDay.some((f) => within(f, ti) && f.src === ti.host && f.dnsName === ti.domain)).toBe(true);
    expect(incidentDay.some((f) => within(f, ti) && f.src === ti.host && f.dst === ti.remote && f.tcpFlags === SYN)).toBe(true);
    const ta = incident('threat-intel-address');
    expect(incidentDay.some((f) => within(f, ta) && f.src === ta.host && f.dst === ta.remote && f.dport === 4444)).toBe(true);
  });
});

describe('generated dataset: the normal rhythm', () => {
  it('the nightly backup runs at 02:00 every night (and at an unusual hour only as an incident)', async () => {
    const peaks = manifest.labels.normalPeaks;
    expect(peaks).toHaveLength(manifest.files.length);
    const unusual = incident('backup-unusual-hour');
    for (const [i, f] of manifest.files.entries()) {
      const peak = peaks[i]!;
      expect(new Date(peak.start).getUTCHours()).toBe(2);
      expect(new Date(peak.start).getUTCMinutes()).toBeLessThan(5);
      expect((peak.end - peak.start) / 60_000).toBeGreaterThan(15);
      const uploads = await readFrames(join(dir, f.file), (fr) => fr.src === peak.host && fr.proto === 'tcp' && fr.wireLen > 1000);
      const outside = uploads.filter((fr) => !within(fr, peak) && !(i === manifest.files.length - 1 && within(fr, unusual)));
      expect(uploads.length, f.file).toBeGreaterThan(5000);
      expect(outside, f.file).toHaveLength(0);
    }
    expect(new Date(unusual.start).getUTCHours()).not.toBe(2);
  });

  it('nights are much quieter than office hours', async () => {
    const day1 = await readFrames(join(dir, 'day-1.pcap'));
    const start = manifest.files[0]!.start;
    const rate = (fromH: number, toH: number): number =>
      day1.filter((f) => f.ms >= start + fromH * 3_600_000 && f.ms < start + toH * 3_600_000).length / ((toH - fromH) * 3600);
    const night = rate(3, 6);
    const office = rate(9.5, 11.5);
    process.stdout.write(`day 1: ${night.toFixed(2)} packets/s at night, ${office.toFixed(2)} packets/s in office hours\n`);
    expect(office).toBeGreaterThan(3 * night);
  });
});
