// The pattern detectors on crafted office windows with infrastructure chatter: a resolver that
// forwards its clients' queries, antivirus reputation lookups (random names under one vendor
// domain) from every workstation. Tunnels and NXDOMAIN storms must be filed under the client, the
// vendor's lookups must stay quiet, and a slow tunnel must be found on its longer horizons.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsName, WindowStats } from '../../capture/index.ts';
import { DetectionEngine, trainModel, type Anomaly, type ModelArtifact } from '../../model/index.ts';
import { DnsNameCounter } from '../../model/detectors/dnsNameCounter.ts';
import { judgeTunnel } from '../../model/detectors/dnsTunnel.ts';
import { splitName } from '../../model/domainNames.ts';
import { ScanCounter } from '../../model/detectors/scanCounter.ts';
import { ONLINE_STATE_FORMAT, type OnlineStateFile } from '../../model/onlineState.ts';
import { judgeScan } from '../../model/detectors/scan.ts';
import { DAY_MS, SERVER, T0, WORKSTATIONS, finishWindow, normalWindow, rng } from '../../datasets/synthetic/index.ts';

const WINDOW_MS = 60_000;
const RESOLVER = SERVER;
const AV_DOMAIN = 'rep.av-vendor.example';
/** reputation lookups per workstation per minute while it is active */
const AV_PER_MINUTE = 14;

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
}

/** `client` asks `name` through the resolver, which forwards it upstream (a second entry under the resolver). */
function askThroughResolver(w: WindowStats, client: string, name: string, nxdomain = 0): void {
  w.dns.names.push({ name, client, queries: 1, nxdomain, qtype: 1 });
  w.dns.names.push({ name, client: RESOLVER, queries: 1, nxdomain, qtype: 1 });
  w.flowStarts.push({ ts: w.start, direction: 'internal', proto: 'udp', local: client, remote: RESOLVER, port: 53 });
}

/** polls every monitored device on SNMP every 5 minutes */
const MONITOR = '10.0.0.60';
const MONITORING_SERVICE = '100.80.1.10';
/** the cloud provider's /16 (its addresses rotate) */
const CLOUD = '100.90';
const DEVICES = Array.from({ length: 90 }, (_, i) => `10.0.2.${i + 1}`);

/** A normal window plus every active workstation's antivirus lookups (forwarded by the resolver) and the monitor's polling. */
function officeWindow(t: number, r: () => number): WindowStats {
  const w = normalWindow(t, WINDOW_MS, r);
  if (Math.floor(t / WINDOW_MS) % 5 === 0) {
    for (const [i, d] of DEVICES.entries()) w.flowStarts.push({ ts: t + i * 100, direction: 'internal', proto: 'udp', local: MONITOR, remote: d, port: 161 });
  }
  const active = new Set(w.topLocalHosts.map((h) => h.host));
  for (const ws of WORKSTATIONS) {
    if (!active.has(ws)) continue;
    const n = Math.round(AV_PER_MINUTE * (0.5 + r()));
    for (let i = 0; i < n; i++) askThroughResolver(w, ws, `${hex(r, 32)}.${hex(r, 8)}.${AV_DOMAIN}`);
  }
  // a monitoring agent on six workstations checks in with its service every 5 minutes
  for (const [k, ws] of WORKSTATIONS.slice(0, 6).entries()) {
    if ((Math.floor(t / WINDOW_MS) + k) % 5 === 0) w.flowStarts.push({ ts: t + k * 1000, direction: 'outbound', proto: 'tcp', local: ws, remote: MONITORING_SERVICE, port: 8443 });
  }
  // cloud sync: now and then a workstation uploads a few MB to a rotating address of the provider
  if (active.size > 0 && r() < 0.05) {
    const ws = [...active][Math.floor(r() * active.size)]!;
    const remote = `${CLOUD}.${Math.floor(r() * 4)}.${1 + Math.floor(r() * 254)}`;
    const bytes = 1_000_000 + r() * 3_000_000;
    w.topRemoteEndpoints.push({ host: remote, bytesOut: bytes, bytesIn: bytes / 50, packets: Math.ceil(bytes / 1400) * 1.5, flows: 1, localHosts: 1, topPort: 443 });
    w.flowStarts.push({ ts: t, direction: 'outbound', proto: 'tcp', local: ws, remote, port: 443 });
  }
  w.dns.queries = w.dns.names.reduce((s, d) => s + d.queries, 0);
  return w;
}

let model: ModelArtifact;
beforeAll(async () => {
  const r = rng(11);
  const windows: WindowStats[] = [];
  for (let k = 0; k < 3 * 1440; k++) windows.push(officeWindow(T0 + k * WINDOW_MS, r));
  model = await trainModel(windows, { seed: 1, epochs: 2 });
});

const DAY4 = T0 + 3 * DAY_MS;
const at = (hour: number): number => DAY4 + hour * 3_600_000;

/** Office windows from `start`, each edited by `edit` (with its index), through one engine. */
function run(start: number, count: number, edit: (w: WindowStats, i: number) => void, seed = 5, learnOnline = true): Anomaly[] {
  const engine = new DetectionEngine(model, { now: () => 0, learnOnline });
  const r = rng(seed);
  const last = new Map<string, Anomaly>();
  for (let i = 0; i < count; i++) {
    const w = officeWindow(start + i * WINDOW_MS, r);
    edit(w, i);
    for (const a of engine.process(finishWindow(w))) last.set(a.id, a);
  }
  for (const a of engine.finish()) last.set(a.id, a);
  return [...last.values()];
}

describe('learned DNS patterns', () => {
  it('learns the resolver and the vendor domain with its per-client maxima', () => {
    const p = model.meta.patterns!;
    expect(p.resolvers).toEqual([RESOLVER]);
    const av = p.dns.domains['av-vendor.example']!;
    expect(av.clients).toBe(WORKSTATIONS.length);
    // one client's lookups, not the resolver's forwarded copies of everyone's
    expect(av.max[1]).toBeGreaterThan(5 * AV_PER_MINUTE);
    expect(av.max[1]).toBeLessThan(2 * 1.5 * 10 * AV_PER_MINUTE);
  });

  it('stays quiet on a working day of antivirus lookups, also from a laptop never seen before', () => {
    const r = rng(77);
    const out = run(at(8), 10 * 60, (w) => {
      for (let i = 0; i < AV_PER_MINUTE; i++) askThroughResolver(w, '10.0.0.99', `${hex(r, 32)}.${hex(r, 8)}.${AV_DOMAIN}`);
    });
    expect(out.filter((a) => a.kind === 'dns-tunnel').map((a) => a.summary)).toEqual([]);
  });

  it('files a tunnel under the client, not the resolver that forwards it, as one incident', () => {
    const r = rng(3);
    const out = run(at(14), 20, (w, i) => {
      if (i < 5) return;
      for (let q = 0; q < 40; q++) askThroughResolver(w, '10.0.0.8', `${hex(r, 60)}.${hex(r, 40)}.exfil-example.net`);
    });
    const tunnels = out.filter((a) => a.kind === 'dns-tunnel');
    expect(tunnels.map((a) => a.subject)).toEqual([{ localHost: '10.0.0.8', domain: 'exfil-example.net' }]);
  });

  it('finds a slow tunnel (a name every 7 s, never 15 in 30 s) on its 10-minute horizon', () => {
    const r = rng(4);
    const out = run(at(14), 40, (w, i) => {
      if (i < 5) return;
      for (let q = 0; q < 9; q++) askThroughResolver(w, '10.0.0.9', `${hex(r, 50)}.slow-example.org`);
    });
    const t = out.find((a) => a.kind === 'dns-tunnel')!;
    expect(t.subject).toEqual({ localHost: '10.0.0.9', domain: 'slow-example.org' });
    expect(t.observed.unit).not.toBe('names in 30 s');
  });

  it('files an NXDOMAIN storm under the asking client even when the resolver got as many answers', () => {
    const out = run(at(15), 12, (w, i) => {
      if (i < 5 || i > 7) return;
      for (let q = 0; q < 600; q++) askThroughResolver(w, '10.0.0.5', `app${q}.corp.example`, 1);
      const n = 1200;
      w.dns.nxdomain = n; w.dns.responses += n; w.directions.internal.dnsNxdomain = n;
      // the host table counts the resolver's upstream answers too, and lists it first
      w.topLocalHosts.unshift({ ...w.topLocalHosts[0]!, host: RESOLVER, dnsNxdomain: 600 });
      const c = w.topLocalHosts.find((h) => h.host === '10.0.0.5');
      if (c) c.dnsNxdomain = 600;
    });
    const storm = out.find((a) => a.kind === 'error-surge' && a.observed.feature === 'dns.nxdomain')!;
    expect(storm.subject.localHost).toBe('10.0.0.5');
  });
});

describe('DNS name counter', () => {
  it('groups names by their registered domain on the public-suffix list', () => {
    expect(splitName('a.b.Example.co.uk.')).toEqual({ domain: 'example.co.uk', sub: 'a.b' });
    // ICANN section only: a CDN's hash names stay under the CDN
    expect(splitName('d1234abcd.cloudfront.net')).toEqual({ domain: 'cloudfront.net', sub: 'd1234abcd' });
    expect(splitName('4.3.2.1.in-addr.arpa').domain).toBe('in-addr.arpa');
    // a tunnel talking straight to its server: the name ends in data, not a TLD
    expect(splitName('dnscat.0a1b.2c3d4')).toEqual({ domain: 'dnscat', sub: '0a1b.2c3d4' });
  });

  it('counts a tunnel of 0.4 names/s over its horizons and judges it within minutes, at 1 s windows', () => {
    const counter = new DnsNameCounter();
    const r = rng(9);
    let firstAt = -1;
    let t = 0;
    for (let s = 0; s < 5_400; s++) {
      t = T0 + s * 1000;
      // two names every 5 s: 0.4/s, never more than 13 in any 30 s
      const names: DnsName[] = s % 5 === 0 || s % 5 === 2 ? [{ name: `${hex(r, 48)}.lowslow-example.com`, client: '10.0.0.3', queries: 1, nxdomain: 0, qtype: 16 }] : [];
      for (const c of counter.add(names, t + 1000, 1000)) {
        expect(c.counts[0]).toBeLessThan(15);
        if (firstAt < 0 && judgeTunnel(c, undefined)) firstAt = s;
      }
    }
    expect(firstAt).toBeGreaterThan(0);
    expect(firstAt).toBeLessThan(600);
  });
});

describe('slow scans', () => {
  const sweep = (from: string, port: number, perWindow: number) => (w: WindowStats, i: number): void => {
    if (i < 5 || i >= 9) return;
    for (let k = 0; k < perWindow; k++) {
      const n = (i - 5) * perWindow + k;
      w.flowStarts.push({ ts: w.start + k * (WINDOW_MS / perWindow), direction: 'internal', proto: 'tcp', local: from, remote: `10.0.${4 + Math.floor(n / 250)}.${(n % 250) + 1}`, port });
    }
  };

  it('finds one new host a second on RDP for four minutes, and lists its targets', () => {
    const out = run(at(10), 15, sweep('10.0.0.7', 3389, 60));
    const scans = out.filter((a) => a.kind === 'scan');
    expect(scans).toHaveLength(1);
    const s = scans[0]!;
    expect(s.subject.localHost).toBe('10.0.0.7');
    expect(s.subject.port).toBe(3389);
    expect(s.subject.targets).toHaveLength(20);
    for (const t of s.subject.targets!) expect(t).toMatch(/^10\.0\.[45]\./);
    expect(s.observed.unit).toBe('hosts in 5 min');
    expect(s.observed.value).toBeGreaterThanOrEqual(180);
  });

  it('stays quiet on the monitoring server polling every device, but not on a workstation doing the same', () => {
    const quiet = run(at(10), 30, () => {});
    expect(quiet.filter((a) => a.kind === 'scan').map((a) => a.summary)).toEqual([]);
    const out = run(at(10), 30, (w, i) => {
      if (i % 5 !== 0) return;
      for (const [k, d] of DEVICES.entries()) w.flowStarts.push({ ts: w.start + k * 100, direction: 'internal', proto: 'udp', local: '10.0.0.3', remote: d, port: 161 });
    });
    const scans = out.filter((a) => a.kind === 'scan');
    expect(scans.map((a) => a.subject.localHost)).toEqual(['10.0.0.3']);
    expect(scans[0]!.subject.port).toBe(161);
  });

  it('at 1 s windows, one new host a second fires within two minutes on the 5-minute horizon, never on 10 s', () => {
    const counter = new ScanCounter();
    let firstAt = -1;
    for (let s = 0; s < 240; s++) {
      const w = normalWindow(T0 + s * 1000, 1000, rng(s));
      w.flowStarts = [{ ts: w.start + 300, direction: 'internal', proto: 'tcp', local: '10.0.0.7', remote: `10.0.9.${s}`, port: 3389 }];
      for (const c of counter.add(w)) {
        if (c.type !== 'horizontal') continue;
        expect(c.counts[0]).toBeLessThanOrEqual(10);
        const v = judgeScan(c, [0, 0, 0]);
        if (v && firstAt < 0) {
          firstAt = s;
          expect(v.horizon).toBe(1);
        }
      }
    }
    expect(firstAt).toBeGreaterThan(0);
    expect(firstAt).toBeLessThan(120);
  });
});

describe('new destinations by network', () => {
  const upload = (remote: string, bytes: number) => (w: WindowStats, i: number): void => {
    if (i < 5 || i > 6) return;
    w.topRemoteEndpoints.push({ host: remote, bytesOut: bytes, bytesIn: bytes / 50, packets: Math.ceil(bytes / 1400) * 1.5, flows: 1, localHosts: 1, topPort: 443 });
    w.flowStarts.push({ ts: w.start, direction: 'outbound', proto: 'tcp', local: '10.0.0.4', remote, port: 443 });
  };

  it('learns the cloud provider as a shared network and the DNS upstream as a narrow one', () => {
    const nets = model.meta.patterns!.destinations.networks;
    const cloud = nets[`${CLOUD}.0.0/16`]!;
    expect(cloud[0]).toBeGreaterThanOrEqual(8);
    expect(cloud[1]).toBeGreaterThanOrEqual(3);
    expect(nets['192.0.2.0/24']![0]).toBe(1);
  });

  it('stays quiet on an upload to a new address of the cloud provider', () => {
    const out = run(at(11), 12, upload(`${CLOUD}.2.250`, 3_000_000));
    expect(out.filter((a) => a.kind === 'new-destination').map((a) => a.summary)).toEqual([]);
  });

  it('fires on the same upload to a network never seen, and to a new address of a narrow one', () => {
    for (const remote of ['100.70.9.9', '192.0.2.177']) {
      const out = run(at(11), 12, upload(remote, 3_000_000));
      const n = out.filter((a) => a.kind === 'new-destination');
      expect(n.map((a) => a.subject)).toEqual([{ remote, localHost: '10.0.0.4' }]);
      expect(n[0]!.summary).toContain(remote === '100.70.9.9' ? 'never seen (100.70.9.0/24)' : 'in 192.0.2.0/24, known only narrowly');
    }
  });

  it('fires on a new address of the cloud provider receiving far more than any of its addresses did', () => {
    const out = run(at(11), 12, upload(`${CLOUD}.2.251`, 60_000_000));
    expect(out.filter((a) => a.kind === 'new-destination').map((a) => a.subject.remote)).toEqual([`${CLOUD}.2.251`]);
  });
});

describe('beaconing', () => {
  /** flows from `local` to `remote`:`port` every `periodMs`, each start up to 2 × `jitter` × period late */
  const beacon = (local: string, remote: string, port: number, periodMs: number, jitter: number, seed: number) => {
    const r = rng(seed);
    const starts: number[] = [];
    return (w: WindowStats, i: number): void => {
      if (i === 0) for (let k = 0; k < 40; k++) starts.push(w.start + 30_000 + k * periodMs + r() * 2 * jitter * periodMs);
      for (const ts of starts) {
        if (ts < w.start || ts >= w.start + WINDOW_MS) continue;
        w.flowStarts.push({ ts: Math.round(ts), direction: 'outbound', proto: 'tcp', local, remote, port });
        w.topRemoteEndpoints.push({ host: remote, bytesOut: 1_900 + Math.round(r() * 40), bytesIn: 4_000, packets: 12, flows: 1, localHosts: 1, topPort: port });
      }
    };
  };

  it('finds a beacon with ±15 % jitter and keeps its named RITA-style sub-scores', () => {
    const out = run(at(9), 40 * 3 + 10, beacon('10.0.0.11', '192.0.2.200', 8443, 180_000, 0.15, 21));
    const b = out.filter((a) => a.kind === 'beaconing');
    expect(b.map((a) => a.subject)).toEqual([{ localHost: '10.0.0.11', remote: '192.0.2.200', port: 8443 }]);
    expect(b[0]!.contributions.map((c) => c.feature).sort()).toEqual(
      ['beacon.connectionCount', 'beacon.duration', 'beacon.intervalDispersion', 'beacon.intervalSkew', 'beacon.sizeDispersion', 'beacon.sizeSkew']);
    expect(b[0]!.score).toBeGreaterThan(0.5);
  });

  it('stays quiet on a new host that starts the monitoring heartbeat its peers run', () => {
    const out = run(at(9), 60, beacon('10.0.0.11', MONITORING_SERVICE, 8443, 300_000, 0.02, 22));
    expect(out.filter((a) => a.kind === 'beaconing').map((a) => a.summary)).toEqual([]);
  });
});

describe('online learning', () => {
  const names = (client: string, domain: string, perWindow: number, seed: number) => {
    const r = rng(seed);
    return (w: WindowStats): void => {
      for (let q = 0; q < perWindow; q++) askThroughResolver(w, client, `${hex(r, 36)}.${domain}`);
    };
  };

  it('learns a new domain used a little more each hour, and still finds a tunnel under it', () => {
    // 180 names an hour for three hours (below every limit), then 300 (above the hour's floor), then a tunnel
    const slow = names('10.0.0.3', 'newcdn.example', 3, 31);
    const busier = names('10.0.0.3', 'newcdn.example', 5, 32);
    const tunnel = names('10.0.0.3', 'newcdn.example', 60, 33);
    const edit = (w: WindowStats, i: number): void => (i < 180 ? slow(w) : i < 300 ? busier(w) : i < 305 ? tunnel(w) : undefined);
    const learned = run(at(8), 310, edit).filter((a) => a.kind === 'dns-tunnel');
    expect(learned).toHaveLength(1);
    expect(learned[0]!.start).toBeGreaterThanOrEqual(at(8) + 300 * WINDOW_MS);
    const fixed = run(at(8), 310, edit, 5, false).filter((a) => a.kind === 'dns-tunnel');
    expect(fixed.length).toBeGreaterThanOrEqual(1);
    expect(fixed[0]!.start).toBeLessThan(at(8) + 300 * WINDOW_MS);
  });

  it('does not learn from windows before a pattern was flagged: a slow tunnel that returns fires again', () => {
    const tunnel = names('10.0.0.9', 'slowtunnel.example', 9, 41);
    const out = run(at(8), 200, (w, i) => (i < 30 || (i >= 150 && i < 165) ? tunnel(w) : undefined));
    const t = out.filter((a) => a.kind === 'dns-tunnel');
    expect(t).toHaveLength(2);
    expect(t[1]!.start).toBeGreaterThanOrEqual(at(8) + 150 * WINDOW_MS);
  });
});

describe('online learning across a restart', () => {
  // the first test above, with the engine stopped after the slow phase and a new one started
  const RESTART = 180;
  const windows = (): WindowStats[] => {
    const r = rng(5);
    const slowR = rng(31);
    const busierR = rng(32);
    const tunnelR = rng(33);
    const out: WindowStats[] = [];
    for (let i = 0; i < 310; i++) {
      const w = officeWindow(at(8) + i * WINDOW_MS, r);
      const [rr, n] = i < 180 ? [slowR, 3] : i < 300 ? [busierR, 5] : i < 305 ? [tunnelR, 60] : [tunnelR, 0];
      for (let q = 0; q < n; q++) askThroughResolver(w, '10.0.0.3', `${hex(rr, 36)}.newcdn.example`);
      out.push(finishWindow(w));
    }
    return out;
  };
  const tunnels = (engine: DetectionEngine, list: WindowStats[]): Anomaly[] => {
    const out = list.flatMap((w) => engine.process(w)).concat(engine.finish());
    // the latest record of each incident
    return [...new Map(out.filter((a) => a.kind === 'dns-tunnel').map((a) => [a.id, a])).values()];
  };
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'spanwatch-online-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps what it learned in its state file: a restarted engine stays quiet where a fresh one alarms', () => {
    const list = windows();
    const path = join(dir, 'office.json');
    const log: string[] = [];
    const state = { path, log: (l: string) => log.push(l) };
    expect(tunnels(new DetectionEngine(model, { now: () => 0, onlineState: state }), list.slice(0, RESTART))).toEqual([]);
    const file = JSON.parse(readFileSync(path, 'utf8')) as OnlineStateFile;
    expect(file).toMatchObject({ format: ONLINE_STATE_FORMAT, modelVersion: model.meta.version });
    expect(file.applied.some((e) => e.lesson.kind === 'domain' && e.lesson.c.domain === 'newcdn.example')).toBe(true);
    const restarted = tunnels(new DetectionEngine(model, { now: () => 0, onlineState: state }), list.slice(RESTART));
    expect(log.some((l) => l.startsWith('online learning: restored'))).toBe(true);
    // as without the restart: only the tunnel at the end
    expect(restarted.length).toBe(1);
    expect(restarted[0]!.start).toBeGreaterThanOrEqual(at(8) + 300 * WINDOW_MS);
    const fresh = tunnels(new DetectionEngine(model, { now: () => 0 }), list.slice(RESTART));
    expect(fresh[0]!.start).toBeLessThan(at(8) + 300 * WINDOW_MS);
  });

  it('starts from the model alone, saying why, on a damaged file or another model version', () => {
    const list = windows();
    const fresh = tunnels(new DetectionEngine(model, { now: () => 0 }), list.slice(RESTART));
    const damaged = join(dir, 'damaged.json');
    writeFileSync(damaged, '{"format":1,"modelVersion":');
    const log: string[] = [];
    expect(tunnels(new DetectionEngine(model, { now: () => 0, onlineState: { path: damaged, log: (l) => log.push(l) } }), list.slice(RESTART))).toEqual(fresh);
    expect(log[0]).toMatch(/warning: .*damaged\.json is damaged \(not JSON.*moved to .*damaged\.json\.unreadable-/);
    expect(readdirSync(dir).some((f) => f.startsWith('damaged.json.unreadable-'))).toBe(true);
    // the engine's own state replaced it at finish
    expect((JSON.parse(readFileSync(damaged, 'utf8')) as OnlineStateFile).modelVersion).toBe(model.meta.version);

    const other = join(dir, 'other.json');
    new DetectionEngine(model, { now: () => 0, onlineState: { path: other, log: () => {} } }).process(list[0]!);
    writeFileSync(other, readFileSync(damaged, 'utf8').replace(model.meta.version, 'v20200101-0000-00000000'));
    const log2: string[] = [];
    expect(tunnels(new DetectionEngine(model, { now: () => 0, onlineState: { path: other, log: (l) => log2.push(l) } }), list.slice(RESTART))).toEqual(fresh);
    expect(log2[0]).toContain(`holds what model v20200101-0000-00000000 learned; model ${model.meta.version} starts from its own training`);
  });
});
