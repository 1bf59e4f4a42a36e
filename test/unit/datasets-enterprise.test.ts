// The enterprise-test preset's labels agree with its packets, read back through the project's
// capture reader: each labelled host really sent its incident's traffic when the label says, the
// resolver forwards the clients' names upstream, laptops stay away at weekends, desktops stay on at
// night, the silent server sends nothing; the site calendar is Europe/Berlin; same seed, same bytes.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatasetManifest, generateDataset, type IncidentLabel, parseLabels, presetOptions, PRESETS } from '../../datasets/index.ts';
import { type Frame, readFrames } from './datasets-frames.ts';

const SYN = 2;
const ACK = 16;
const RESOLVER = '10.10.0.53';
const UPSTREAM = '192.0.2.53';
const APP_SERVER = '10.10.0.12';
const MB = 1e6;

let root: string;
let dir: string;
let manifest: DatasetManifest;
/** every frame of each day file */
let days: Frame[][];

function incident(id: string): IncidentLabel {
  const i = manifest.labels.incidents.find((x) => x.id === id);
  if (!i) throw new Error(`no incident '${id}' in the labels`);
  return i;
}

const within = (f: Frame, r: { start: number; end: number }): boolean => f.ms >= r.start && f.ms <= r.end;
const incidentFrames = (i: IncidentLabel): Frame[] => days.flat().filter((f) => within(f, i));

async function hashes(d: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(d)).sort()) out[name] = createHash('sha256').update(await readFile(join(d, name))).digest('hex');
  return out;
}

/** A small enterprise (three days, 40 workstations) for the determinism checks. */
const small = (outDir: string, seed: number) => presetOptions('enterprise-test', outDir, {
  seed, enterprise: { ...PRESETS['enterprise-test'].enterprise!, size: { desktops: 20, laptops: 20, printers: 1, iot: 1 } },
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'spanwatch-enterprise-'));
  dir = join(root, 'preset');
  const started = performance.now();
  manifest = await generateDataset(presetOptions('enterprise-test', dir));
  const seconds = (performance.now() - started) / 1000;
  const disk = manifest.files.reduce((s, f) => s + f.sizeBytes, 0);
  process.stdout.write(`enterprise-test preset: ${manifest.packets} packets, ${(disk / 1e6).toFixed(1)} MB on disk, generated in ${seconds.toFixed(1)} s\n`);
  // keep what the checks read: DNS, heartbeats, connection starts and every frame of an incident's parties
  const parties = new Set<string>([APP_SERVER]);
  for (const i of manifest.labels.incidents) for (const p of [i.host, i.remote]) if (p && !p.includes('/')) parties.add(p);
  const keep = (f: Frame): boolean => f.sport === 53 || f.dport === 53 || f.dport === 8125 || (f.tcpFlags & SYN) !== 0 || parties.has(f.src) || parties.has(f.dst);
  days = [];
  for (const f of manifest.files) days.push(await readFrames(join(dir, f.file), keep));
  await generateDataset(small(join(root, 'a'), 5));
  await generateDataset(small(join(root, 'b'), 5));
  await generateDataset(small(join(root, 'c'), 6));
}, 240_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('enterprise-test preset: calendar and labels', () => {
  it('cuts the days at local midnight in Europe/Berlin and labels their kind, the holiday and the weekday baseline', async () => {
    const labels = parseLabels(JSON.parse(await readFile(join(dir, 'labels.json'), 'utf8')), 'labels.json');
    expect(labels).toEqual(manifest.labels);
    expect(labels.timezone).toBe('Europe/Berlin');
    expect(labels.holidays).toEqual(['2025-10-03']);
    expect(labels.days!.map((d) => [d.date, d.type, d.file])).toEqual([
      ['2025-09-25', 'weekday', 'day-1.pcap'], ['2025-09-26', 'weekday', 'day-2.pcap'], ['2025-09-27', 'weekend', 'day-3.pcap'],
    ]);
    // summer time: local midnight is 22:00 UTC the day before
    expect(new Date(labels.days![0]!.start).toISOString()).toBe('2025-09-24T22:00:00.000Z');
    expect(manifest.files.map((f) => f.start)).toEqual(labels.days!.map((d) => d.start));
    for (const [i, day] of days.entries()) {
      expect(day.length).toBeGreaterThan(0);
      expect(day[0]!.ms).toBeGreaterThanOrEqual(manifest.files[i]!.start);
      expect(day[day.length - 1]!.ms).toBeLessThan(manifest.files[i]!.end);
    }
    expect(labels.trainRange).toEqual({ start: labels.days![0]!.start, end: labels.days![1]!.start });
    expect(labels.weekdayBaseline).toEqual({
      trainFiles: ['day-1.pcap', 'day-2.pcap'], trainRange: { start: labels.days![0]!.start, end: labels.days![2]!.start },
      weekendFiles: ['day-3.pcap'], weekendRange: { start: labels.days![2]!.start, end: labels.days![2]!.end },
    });
    expect(labels.localNets).toEqual(['10.10.0.0/24', '10.20.0.0/22', '10.30.0.0/22', '10.40.0.0/24']);
    expect(manifest.parameters.hosts).toBe(142);
  });

  it('has at least nine incident kinds, weekday ones on the Friday and weekend ones on the Saturday', () => {
    const kinds = new Set(manifest.labels.incidents.map((i) => i.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(9);
    expect(kinds).toContain('role-change');
    const [thu, fri, sat] = manifest.labels.days!;
    for (const i of manifest.labels.incidents) {
      expect(i.start).toBeGreaterThanOrEqual(fri!.start);
      expect(i.host).toMatch(/^10\.(10|20|30)\./);
      const day = ['port-scan-fast', 'threat-intel'].includes(i.id) ? sat! : fri!;
      expect(i.start, i.id).toBeGreaterThanOrEqual(day.start);
      expect(i.end, i.id).toBeLessThanOrEqual(day.end);
    }
    expect(thu!.type).toBe('weekday');
  });
});

describe('enterprise-test preset: the labelled hosts really sent the incident traffic', () => {
  it('rdp-sweep: SYNs to tcp/3389 of a new host about every second for four minutes', () => {
    const i = incident('rdp-sweep');
    const syns = incidentFrames(i).filter((f) => f.src === i.host && f.dport === 3389 && f.tcpFlags === SYN);
    const targets = new Set(syns.map((f) => f.dst));
    expect(targets.size).toBe(240);
    for (const t of targets) expect(t.startsWith('10.20.')).toBe(true);
    expect((i.end - i.start) / 1000).toBeGreaterThan(200);
    expect((i.end - i.start) / 1000).toBeLessThan(260);
    // no minute holds more than about 60 new targets, no ten seconds more than 14
    const firsts = [...targets].map((t) => Math.min(...syns.filter((f) => f.dst === t).map((f) => f.ms))).sort((a, b) => a - b);
    const most = (ms: number): number => Math.max(...firsts.map((t, k) => firsts.slice(k).filter((u) => u < t + ms).length));
    expect(most(10_000)).toBeLessThanOrEqual(14);
    expect(most(60_000)).toBeLessThanOrEqual(78);
  });

  it('dns-tunnel-slow: about 0.4 queries a second for 90 minutes, each forwarded upstream by the resolver', () => {
    const i = incident('dns-tunnel-slow');
    const frames = incidentFrames(i);
    const asked = frames.filter((f) => f.src === i.host && f.dst === RESOLVER && f.dport === 53 && f.dnsName.endsWith(`.${i.domain}`));
    const minutes = (i.end - i.start) / 60_000;
    expect(minutes).toBeGreaterThan(85);
    expect(minutes).toBeLessThan(95);
    const rate = asked.length / ((i.end - i.start) / 1000);
    expect(rate).toBeGreaterThan(0.3);
    expect(rate).toBeLessThan(0.5);
    const forwarded = new Set(frames.filter((f) => f.src === RESOLVER && f.dst === UPSTREAM && f.dport === 53).map((f) => f.dnsName));
    for (const q of asked) expect(forwarded.has(q.dnsName)).toBe(true);
    // the tunnel's names come from the client only: nobody else asks for them
    expect(frames.filter((f) => f.dport === 53 && f.dst === RESOLVER && f.src !== i.host && f.dnsName.endsWith(`.${i.domain}`))).toEqual([]);
  });

  it('slow-exfiltration: about 60 MB to the new network over three hours', () => {
    const i = incident('slow-exfiltration');
    const out = incidentFrames(i).filter((f) => f.src === i.host && f.dst === i.remote).reduce((s, f) => s + f.wireLen, 0);
    expect(out / MB).toBeGreaterThan(50);
    expect(out / MB).toBeLessThan(70);
    expect((i.end - i.start) / 3_600_000).toBeGreaterThan(2.5);
    expect((i.end - i.start) / 3_600_000).toBeLessThan(3.6);
    expect(days.flat().filter((f) => f.ms < i.start && (f.src === i.remote || f.dst === i.remote))).toEqual([]);
  });

  it('burst-upload: 150 MB out in minutes', () => {
    const i = incident('burst-upload');
    const out = incidentFrames(i).filter((f) => f.src === i.host && f.dst === i.remote).reduce((s, f) => s + f.wireLen, 0);
    expect(out / MB).toBeGreaterThan(150);
    expect((i.end - i.start) / 60_000).toBeLessThan(6);
  });

  it('beacon-jitter: a check-in every 120 s ± 15 %', () => {
    const i = incident('beacon-jitter');
    const syns = incidentFrames(i).filter((f) => f.src === i.host && f.dst === i.remote && f.tcpFlags === SYN).map((f) => f.ms);
    expect(syns.length).toBe(60);
    const gaps = syns.slice(1).map((t, k) => (t - syns[k]!) / 1000);
    for (const g of gaps) expect(g).toBeGreaterThan(120 * 0.7 - 1);
    for (const g of gaps) expect(g).toBeLessThan(120 * 1.3 + 1);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    expect(Math.abs(mean - 120)).toBeLessThan(3);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeGreaterThan(20);
  });

  it('dga-nxdomain: the client gets NXDOMAIN for hundreds of generated names through the resolver', () => {
    const i = incident('dga-nxdomain');
    const frames = incidentFrames(i);
    const nx = frames.filter((f) => f.src === RESOLVER && f.dst === i.host && f.sport === 53 && (f.dnsFlags & 0x0f) === 3);
    expect(nx.length).toBeGreaterThan(900);
    const names = new Set(nx.map((f) => f.dnsName));
    const upstream = new Set(frames.filter((f) => f.src === RESOLVER && f.dst === UPSTREAM).map((f) => f.dnsName));
    for (const n of names) expect(upstream.has(n)).toBe(true);
  });

  it('server-silent: the application server sends nothing at all in the labelled range, and talks before and after', () => {
    const i = incident('server-silent');
    expect(i.host).toBe(APP_SERVER);
    const all = days.flat();
    expect(all.filter((f) => within(f, i) && f.src === APP_SERVER)).toEqual([]);
    expect(all.filter((f) => f.src === APP_SERVER && f.ms > i.start - 60_000 && f.ms < i.start).length).toBeGreaterThan(3);
    expect(all.filter((f) => f.src === APP_SERVER && f.ms > i.end && f.ms < i.end + 60_000).length).toBeGreaterThan(3);
    expect((i.end - i.start) / 60_000).toBeGreaterThan(20);
    expect(new Set(all.filter((f) => f.src === APP_SERVER).map((f) => new Date(f.ms).getUTCDay())).size).toBeGreaterThan(1);
  });

  it('role-change: dozens of internal peers open SMB/HTTP sessions to a desktop that never served before, each small', () => {
    const i = incident('role-change');
    const served = (f: Frame): boolean => f.dst === i.host && (f.dport === 445 || f.dport === 8080) && f.tcpFlags === SYN;
    const peers = new Set(incidentFrames(i).filter(served).map((f) => f.src));
    expect(peers.size).toBeGreaterThanOrEqual(30);
    for (const p of peers) expect(p).toMatch(/^10\.(20|30)\./);
    expect(days.flat().filter((f) => f.ms < i.start && served(f))).toEqual([]);
    const bytes = incidentFrames(i).filter((f) => f.src === i.host && (f.sport === 445 || f.sport === 8080)).reduce((s, f) => s + f.wireLen, 0);
    const hours = (i.end - i.start) / 3_600_000;
    expect(bytes / MB / hours).toBeLessThan(40);
  });

  it('port-scan-fast, threat-intel and new-network come from their labelled host', () => {
    const scan = incident('port-scan-fast');
    const probes = incidentFrames(scan).filter((f) => f.src === scan.host && f.dst === scan.remote && f.tcpFlags === SYN);
    expect(new Set(probes.map((f) => f.dport)).size).toBe(1000);
    expect((scan.end - scan.start) / 1000).toBeLessThan(40);
    const ti = incident('threat-intel');
    const tiFrames = incidentFrames(ti);
    expect(tiFrames.some((f) => f.src === ti.host && f.dnsName === ti.domain)).toBe(true);
    expect(tiFrames.some((f) => f.src === ti.host && f.dst === ti.remote && f.tcpFlags === SYN)).toBe(true);
    const nn = incident('new-network');
    expect(incidentFrames(nn).filter((f) => f.src === nn.host && f.dst === nn.remote && f.tcpFlags & ACK).length).toBeGreaterThan(10);
  });
});

describe('enterprise-test preset: the everyday world', () => {
  it('the resolver forwards every antivirus reputation lookup of the clients upstream', () => {
    const asked = days[0]!.filter((f) => f.dst === RESOLVER && f.dport === 53 && f.dnsName.endsWith('.rep.avvendor.example'));
    expect(asked.length).toBeGreaterThan(1_000);
    expect(new Set(asked.map((f) => f.src)).size).toBeGreaterThan(100);
    const upstream = new Set(days[0]!.filter((f) => f.src === RESOLVER && f.dst === UPSTREAM).map((f) => f.dnsName));
    for (const q of asked) expect(upstream.has(q.dnsName)).toBe(true);
  });

  it('laptops come on working days and stay away at weekends; desktops stay on at night', () => {
    const laptops = (fs: Frame[]): Set<string> => new Set(fs.filter((f) => f.src.startsWith('10.30.')).map((f) => f.src));
    const friday = laptops(days[1]!).size;
    const saturday = laptops(days[2]!).size;
    expect(friday).toBeGreaterThan(64 * 0.7);
    expect(saturday).toBeLessThan(64 * 0.15);
    const [thu] = manifest.labels.days!;
    const night = days[0]!.filter((f) => f.ms > thu!.start + 2.5 * 3_600_000 && f.ms < thu!.start + 3.5 * 3_600_000);
    expect(laptops(night).size).toBe(0);
    const desktopsAtNight = new Set(night.filter((f) => f.src.startsWith('10.20.') && f.dport === 8125).map((f) => f.src));
    expect(desktopsAtNight.size).toBeGreaterThan(64 * 0.7);
    // every desktop left on pushes a heartbeat every 30–60 s
    for (const host of [...desktopsAtNight].slice(0, 10)) {
      const beats = night.filter((f) => f.src === host && f.dport === 8125).map((f) => f.ms);
      const gaps = beats.slice(1).map((t, k) => (t - beats[k]!) / 1000);
      expect(Math.min(...gaps)).toBeGreaterThan(25);
      expect(Math.max(...gaps)).toBeLessThan(66);
    }
  });

  it('cloud sync goes to ever new addresses inside a few /16s, and the backup drifts', () => {
    const sync = days[1]!.filter((f) => f.tcpFlags === SYN && /^(198\.18|198\.19|100\.65)\./.test(f.dst));
    expect(sync.length).toBeGreaterThan(50);
    expect(new Set(sync.map((f) => f.dst)).size).toBeGreaterThan(sync.length * 0.9);
    const peaks = manifest.labels.normalPeaks;
    expect(peaks.length).toBe(3);
    const startHours = peaks.map((p, k) => (p.start - manifest.labels.days![k]!.start) / 3_600_000);
    for (const h of startHours) expect(h).toBeGreaterThanOrEqual(1);
    for (const h of startHours) expect(h).toBeLessThanOrEqual(2.1);
    expect(new Set(startHours.map((h) => h.toFixed(2))).size).toBe(3);
  });
});

describe('enterprise generator determinism', () => {
  it('gives byte-identical files for the same seed and other traffic for another seed', async () => {
    const a = await hashes(join(root, 'a'));
    const b = await hashes(join(root, 'b'));
    const c = await hashes(join(root, 'c'));
    expect(Object.keys(a)).toEqual(['criticality.json', 'day-1.pcap', 'day-2.pcap', 'day-3.pcap', 'ioc.txt', 'labels.json', 'manifest.json']);
    expect(b).toEqual(a);
    for (const f of ['day-1.pcap', 'day-2.pcap', 'day-3.pcap', 'labels.json']) expect(c[f]).not.toBe(a[f]);
  });
});
