// Per-host baselines for every host seen in training, their size, peer-group fallback for hosts
// with no history, the slow-upload budget (host and receiver named), a drifting nightly backup
// that stays quiet, and host-silent counting only windows the capture can vouch for.
import { describe, expect, it } from 'vitest';
import { emptyWindowStats, type LocalHostStats, type WindowStats } from '../../capture/index.ts';
import { HostBaselineBuilder, HostBaselines, subnetOf } from '../../model/hostBaselines.ts';
import { SeasonalBaseline } from '../../model/seasonalBaseline.ts';
import { SiteCalendar } from '../../model/timeSlots.ts';
import { OutboundSpikeDetector } from '../../model/detectors/outboundSpike.ts';
import { UploadBudgetDetector } from '../../model/detectors/uploadBudget.ts';
import { HostSilentDetector } from '../../model/detectors/hostSilent.ts';
import type { Detector, Finding } from '../../model/detectors/finding.ts';
import { FEATURE_COUNT, extractFeatures } from '../../model/features.ts';
import { rng } from '../../datasets/synthetic/index.ts';

const MIN = 60_000;
const H = 3_600_000;
const DAY = 24 * H;
const MONDAY = Date.UTC(2024, 2, 4);
const WORKSTATIONS = Array.from({ length: 600 }, (_, i) => `10.1.${Math.floor(i / 200)}.${10 + (i % 200)}`);
const SERVER = '10.1.9.2';
const BACKUP = '10.1.9.5';
const BACKUP_REMOTE = '198.51.100.7';
const WEB = '203.0.113.80';

function host(h: string, payload: number, remote?: string): LocalHostStats {
  const packets = Math.max(1, Math.ceil(payload / 1000));
  const bytes = payload + packets * 66;
  return {
    host: h, bytesOut: bytes, bytesIn: bytes * 4, packetsOut: packets, packetsIn: packets * 3, flows: 2, flowsStarted: 1, peers: 2, dstPorts: 1,
    tcpSyn: 1, tcpSynUnanswered: 0, tcpRstReceived: 0, dnsQueries: 0, dnsNxdomain: 0,
    bytesToRemote: bytes, packetsToRemote: packets, ...(remote ? { topRemote: remote } : {}),
  };
}

/** One 60 s window: workstations during office hours (kB a minute each), an always-on server,
 * and on nights `backupAt` (minutes after 02:00) a 30-minute backup of `backupPerMin` bytes a minute. */
function officeWindow(t: number, r: () => number, opts: { backupAt?: number; backupPerMin?: number; extra?: LocalHostStats[]; skip?: string } = {}): WindowStats {
  const w = emptyWindowStats('t', t, MIN);
  const hours = ((t % DAY) / H);
  const weekday = Math.floor((t - MONDAY) / DAY) % 7 < 5;
  const hosts: LocalHostStats[] = [host(SERVER, 2000 + r() * 1000, WEB)];
  if (weekday && hours >= 8 && hours < 18) {
    for (const ws of WORKSTATIONS) if (r() < 0.6) hosts.push(host(ws, 1000 + r() * 9000, WEB));
  }
  const b = opts.backupAt ?? 0;
  const minutesAfter2 = (hours - 2) * 60;
  if (minutesAfter2 >= b && minutesAfter2 < b + 30) hosts.push(host(BACKUP, (opts.backupPerMin ?? 150e6) * (0.9 + r() * 0.2), BACKUP_REMOTE));
  w.localHosts = [...hosts.filter((h) => h.host !== opts.skip), ...(opts.extra ?? [])].sort((a, c) => c.bytesOut - a.bytesOut);
  w.topLocalHosts = w.localHosts.slice(0, 20);
  for (const h of w.localHosts) {
    w.directions.outbound.bytes += h.bytesToRemote!;
    w.directions.outbound.packets += h.packetsToRemote!;
  }
  w.health.packetsSeen = w.directions.outbound.packets;
  return w;
}

function train(): { hosts: HostBaselines; baseline: SeasonalBaseline; json: ReturnType<HostBaselineBuilder['build']> } {
  const r = rng(11);
  const b = new HostBaselineBuilder(SiteCalendar.UTC);
  for (let day = 0; day < 5; day++) {
    // the backup starts up to 20 minutes late and varies ±10 % in size across the week
    const backupAt = Math.floor(r() * 20);
    const perMin = 150e6 * (0.9 + r() * 0.2);
    for (let t = MONDAY + day * DAY; t < MONDAY + (day + 1) * DAY; t += MIN) b.add(officeWindow(t, r, { backupAt, backupPerMin: perMin }));
  }
  const json = b.build();
  const seasonal = new SeasonalBaseline({ spanMs: 5 * DAY, windowMs: MIN, windowsHow: [], windowsHod: [], windowsAll: 0, keys: {} });
  return { hosts: new HostBaselines(json, SiteCalendar.UTC), baseline: seasonal, json };
}

const { hosts, baseline, json } = train();

function run(detector: Detector, windows: WindowStats[], lossy: (w: WindowStats) => boolean = () => false): Finding[] {
  const f = new Float64Array(FEATURE_COUNT);
  const out: Finding[] = [];
  for (const w of windows) detector.detect({ w, features: extractFeatures(w, f), captureLoss: lossy(w), dnsNames: [] }, out);
  return out;
}

describe('per-host baselines', () => {
  it('keep every host seen in training, each in well under 2 kB, with roles and peer groups', () => {
    expect(Object.keys(json.hosts).length).toBe(WORKSTATIONS.length + 2);
    const perHost = (JSON.stringify(json.hosts).length + JSON.stringify(json.roles).length) / Object.keys(json.hosts).length;
    expect(perHost).toBeLessThan(2048);
    expect(json.roles[WORKSTATIONS[0]!]).toBe('client-office-hours');
    expect(json.roles[SERVER]).toBe('client-always-on');
    expect(Object.keys(json.groups)).toEqual(expect.arrayContaining(['all', 'role:client-office-hours', subnetOf(WORKSTATIONS[0]!)]));
  });

  it('a host never seen falls back on its subnet\'s peers; a known host on its own history', () => {
    const slot = hosts.slotOf(MONDAY + 7 * DAY + 10 * H);
    const known = hosts.uploadLimits(WORKSTATIONS[5]!, slot);
    expect(known.budgetSource).toBe('own');
    expect(known.source).toBe('own+role:client-office-hours');
    expect(known.minuteMax).toBeLessThan(20_000);
    const laptop = hosts.uploadLimits('10.1.1.250', slot);
    expect(laptop.source).toBe('subnet:10.1.1.0/24');
    expect(laptop.minuteMax).toBeGreaterThan(5_000);
    expect(laptop.minuteMax).toBeLessThan(20_000);
  });
});

describe('uploads against each host\'s own budget', () => {
  const day = MONDAY + 7 * DAY;
  const EXFIL = WORKSTATIONS[42]!;
  const C2 = '203.0.113.66';

  it('slow exfiltration: 40 MB over 4 hours from a workstation whose normal hour is kilobytes fires, naming host and receiver', () => {
    const r = rng(3);
    const windows: WindowStats[] = [];
    for (let t = day + 9 * H; t < day + 13 * H; t += MIN) windows.push(officeWindow(t, r, { extra: [host(EXFIL, 40e6 / 240, C2)], skip: EXFIL }));
    // no single minute stands out to the burst detectors
    const bursts = run(new OutboundSpikeDetector(baseline, hosts), windows);
    expect(bursts.filter((f) => f.subject.localHost === EXFIL)).toEqual([]);
    const budget = new UploadBudgetDetector(hosts);
    const found: Finding[] = [];
    let firstAt = -1;
    windows.forEach((w, i) => {
      const before = found.length;
      budget.detect({ w, features: new Float64Array(FEATURE_COUNT), captureLoss: false, dnsNames: [] }, found);
      if (firstAt < 0 && found.length > before) firstAt = i;
    });
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) {
      expect(f.subject).toEqual({ localHost: EXFIL, remote: C2 });
      expect(f.kind).toBe('outbound-spike');
    }
    // the excess passes the 8 MB floor after about an hour (167 kB a minute)
    expect(firstAt).toBeGreaterThan(40);
    expect(firstAt).toBeLessThan(90);
  });

  it('the nightly backup 30 minutes late and 20 % larger stays quiet; the same backup at 15:00 fires', () => {
    const r = rng(4);
    const night: WindowStats[] = [];
    for (let t = day + 1 * H; t < day + 4 * H; t += MIN) night.push(officeWindow(t, r, { backupAt: 30, backupPerMin: 150e6 * 1.2 }));
    expect(run(new OutboundSpikeDetector(baseline, hosts), night)).toEqual([]);
    expect(run(new UploadBudgetDetector(hosts), night)).toEqual([]);
    const afternoon: WindowStats[] = [];
    for (let t = day + 15 * H; t < day + 15.5 * H; t += MIN) afternoon.push(officeWindow(t, r, { extra: [host(BACKUP, 150e6, BACKUP_REMOTE)] }));
    const fired = run(new OutboundSpikeDetector(baseline, hosts), afternoon);
    expect(fired.length).toBeGreaterThan(0);
    expect(fired[0]!.subject).toEqual({ localHost: BACKUP, remote: BACKUP_REMOTE });
  });

  it('a new laptop uploading like its peers is quiet; one uploading 5 MB a minute is flagged against its peers', () => {
    const r = rng(5);
    const normal: WindowStats[] = [];
    for (let t = day + 10 * H; t < day + 11 * H; t += MIN) normal.push(officeWindow(t, r, { extra: [host('10.1.1.250', 6000, WEB)] }));
    expect(run(new OutboundSpikeDetector(baseline, hosts), normal)).toEqual([]);
    expect(run(new UploadBudgetDetector(hosts), normal)).toEqual([]);
    const heavy: WindowStats[] = [];
    for (let t = day + 10 * H; t < day + 10 * H + 5 * MIN; t += MIN) heavy.push(officeWindow(t, r, { extra: [host('10.1.1.250', 5e6, '192.0.2.9')] }));
    const fired = run(new OutboundSpikeDetector(baseline, hosts), heavy);
    expect(fired.length).toBeGreaterThan(0);
    expect(fired[0]!.subject).toEqual({ localHost: '10.1.1.250', remote: '192.0.2.9' });
    expect(fired[0]!.summary).toContain('subnet:10.1.1.0/24');
  });
});

describe('host-silent over known windows only', () => {
  it('windows with capture loss do not count as absence; the same silence in clean windows is reported', () => {
    const day = MONDAY + 7 * DAY;
    const r = rng(6);
    const windows: WindowStats[] = [];
    for (let t = day + 10 * H; t < day + 10 * H + 40 * MIN; t += MIN) windows.push(officeWindow(t, r, { skip: t >= day + 10 * H + 5 * MIN ? SERVER : undefined }));
    const lossy = (w: WindowStats): boolean => w.start >= day + 10 * H + 5 * MIN;
    expect(run(new HostSilentDetector(hosts, baseline), windows, lossy)).toEqual([]);
    const clean = run(new HostSilentDetector(hosts, baseline), windows);
    expect(clean.length).toBeGreaterThan(0);
    expect(clean[0]!.subject.localHost).toBe(SERVER);
    expect(clean[0]!.summary).toMatch(/has sent no packet for \d+ s/);
  });
});

describe('host-silent never reports a stale silence', () => {
  it('a quiet stretch at the end of one expected hour does not carry over to the next hour it is expected in', () => {
    // trained: 10.2.0.7 (a server: busy at night too) sends in every 10 s window 02:00–04:00,
    // 10:00–11:00 and 12:00–13:00, and only every 200 s (5 % of windows, not regular) 11:00–12:00
    const b = new HostBaselineBuilder(SiteCalendar.UTC);
    const win = (t: number, withHost: boolean): WindowStats => {
      const w = emptyWindowStats('t', t, 10_000);
      w.localHosts = [host('10.2.0.1', 500, WEB), ...(withHost ? [host('10.2.0.7', 500, WEB)] : [])];
      w.topLocalHosts = w.localHosts;
      w.health.packetsSeen = 10;
      w.directions.outbound.packets = 10;
      return w;
    };
    const expectedAt = (t: number): boolean => { const h = (t % DAY) / H; return (h >= 2 && h < 4) || (h >= 10 && h < 11) || (h >= 12 && h < 13) || (h >= 11 && h < 12 && t % 200_000 === 0); };
    for (let d = 0; d < 3; d++) for (let t = MONDAY + d * DAY + 1 * H; t < MONDAY + d * DAY + 14 * H; t += 10_000) b.add(win(t, expectedAt(t)));
    const hb = new HostBaselines(b.build(), SiteCalendar.UTC);
    const day = MONDAY + 3 * DAY;
    const windows: WindowStats[] = [];
    for (let t = day + 10 * H + 50 * MIN; t < day + 12 * H + 10 * MIN; t += 10_000) {
      // quiet for the last 10 s of 10:xx, its sparse self through 11:xx, quiet for the first 10 s of 12:00
      const present = t < day + 10 * H + 59 * MIN + 50_000 || t >= day + 12 * H + 10_000 || (t >= day + 11 * H && t < day + 12 * H && t % 200_000 === 0);
      windows.push(win(t, present));
    }
    expect(run(new HostSilentDetector(hb, baseline), windows).map((f) => f.summary)).toEqual([]);
  });
});
