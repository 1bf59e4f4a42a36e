// Each detector on crafted windows: it fires on its pattern and stays quiet on the look-alike.
import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WindowStats } from '../../capture/index.ts';
import { DetectionEngine, IocList, extractFeatures, trainModel, type Anomaly, type AnomalyKind, type ModelArtifact } from '../../model/index.ts';
import {
  BACKUP_BYTES_PER_S, BACKUP_HOST, BACKUP_REMOTE, DAY_MS, REMOTES, SERVER, T0, finishWindow, hostStats, normalWindow, rng, syntheticWindows,
} from '../../datasets/synthetic/index.ts';

const WINDOW_MS = 60_000;
const DAY4 = T0 + 3 * DAY_MS; // Thursday
let model: ModelArtifact;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'model-detectors-'));
  model = await trainModel([...syntheticWindows({ windows: 3 * 1440, windowMs: WINDOW_MS })], { seed: 1, epochs: 4 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (hour: number, minute = 0): number => DAY4 + hour * 3_600_000 + minute * 60_000;

/** Runs normal windows from `from` up to the crafted ones, then the crafted ones, then `after` normal windows. */
function run(crafted: Array<(w: WindowStats) => void>, startMs: number, opts: { lead?: number; after?: number; engine?: DetectionEngine } = {}): Anomaly[] {
  const engine = opts.engine ?? new DetectionEngine(model, { now: () => 0 });
  const r = rng(5);
  const lead = opts.lead ?? 15;
  const out: Anomaly[] = [];
  let t = startMs - lead * WINDOW_MS;
  for (let i = 0; i < lead; i++, t += WINDOW_MS) out.push(...engine.process(normalWindow(t, WINDOW_MS, r)));
  for (const edit of crafted) {
    const w = normalWindow(t, WINDOW_MS, r);
    edit(w);
    out.push(...engine.process(finishWindow(w)));
    t += WINDOW_MS;
  }
  for (let i = 0; i < (opts.after ?? 5); i++, t += WINDOW_MS) out.push(...engine.process(normalWindow(t, WINDOW_MS, r)));
  out.push(...engine.finish());
  return out;
}

const kinds = (as: Anomaly[]): AnomalyKind[] => [...new Set(as.map((a) => a.kind))].sort();
const finals = (as: Anomaly[]): Anomaly[] => as.filter((a) => !a.ongoing);

describe('quiet on normal traffic', () => {
  it('raises nothing on an ordinary working day it has not seen', () => {
    const engine = new DetectionEngine(model, { now: () => 0 });
    const out: Anomaly[] = [];
    for (const w of syntheticWindows({ windows: 1440, windowMs: WINDOW_MS, start: DAY4, seed: 42 })) out.push(...engine.process(w));
    out.push(...engine.finish());
    expect(finals(out).map((a) => a.summary)).toEqual([]);
  });
});

describe('outbound-spike', () => {
  const upload = (w: WindowStats): void => {
    const b = 8_000_000 * 60;
    w.topLocalHosts.push(hostStats('10.0.0.7', b, b / 40));
    w.topRemoteEndpoints.unshift({ host: REMOTES[3]!, bytesOut: b, bytesIn: b / 40, packets: b / 1000, flows: 1, localHosts: 1, topPort: 443 });
  };
  it('fires on a large upload by one host, high or critical, naming host and receiver', () => {
    const out = run([upload, upload], at(14));
    const spikes = out.filter((a) => a.kind === 'outbound-spike');
    expect(spikes.length).toBeGreaterThan(0);
    const last = spikes.at(-1)!;
    expect(last.subject.localHost).toBe('10.0.0.7');
    expect(last.subject.remote).toBe(REMOTES[3]);
    expect(['high', 'critical']).toContain(last.level);
    expect(last.observed.value).toBeGreaterThan(last.expected.high);
    expect(last.contributions[0]!.feature).toBe('host.payloadOut');
  });
  it('stays quiet on an equally large download (inbound, with its ACK stream out)', () => {
    const download = (w: WindowStats): void => {
      const b = 8_000_000 * 60;
      const acks = Math.ceil(b / 1448 / 2);
      w.topLocalHosts.push({ ...hostStats('10.0.0.7', acks * 66, b), packetsOut: acks, packetsIn: Math.ceil(b / 1514) });
    };
    const out = run([download, download], at(14));
    expect(kinds(out).filter((k) => k === 'outbound-spike')).toEqual([]);
  });
  it('does not flag the nightly backup at its usual hour, but flags the same transfer in the afternoon', () => {
    const backup = (w: WindowStats): void => {
      const b = BACKUP_BYTES_PER_S * 60;
      w.topLocalHosts = w.topLocalHosts.filter((h) => h.host !== BACKUP_HOST);
      w.topLocalHosts.push(hostStats(BACKUP_HOST, b, b / 40, { peers: 1 }));
      w.topRemoteEndpoints = w.topRemoteEndpoints.filter((e) => e.host !== BACKUP_REMOTE);
      w.topRemoteEndpoints.unshift({ host: BACKUP_REMOTE, bytesOut: b, bytesIn: b / 40, packets: b / 1000, flows: 1, localHosts: 1, topPort: 22 });
    };
    const night = run([backup, backup, backup], at(2, 5));
    expect(night.filter((a) => a.kind === 'outbound-spike')).toEqual([]);
    const day = run([backup, backup, backup], at(15, 5));
    const spikes = day.filter((a) => a.kind === 'outbound-spike');
    expect(spikes.length).toBeGreaterThan(0);
    expect(spikes[0]!.subject.localHost).toBe(BACKUP_HOST);
  });
});

describe('scan', () => {
  it('fires on a vertical scan (many ports of one host)', () => {
    const out = run([(w) => {
      for (let p = 1; p <= 200; p++) w.flowStarts.push({ ts: w.start, direction: 'internal', proto: 'tcp', local: '10.0.0.4', remote: SERVER, port: p });
    }], at(11));
    const scan = out.find((a) => a.kind === 'scan')!;
    expect(scan.subject).toMatchObject({ localHost: '10.0.0.4', remote: SERVER });
    expect(scan.subject.ports).toHaveLength(20);
    expect(scan.observed.value).toBe(200);
  });
  it('fires on a horizontal scan (one port of many hosts) from outside', () => {
    const out = run([(w) => {
      for (let h = 1; h <= 100; h++) w.flowStarts.push({ ts: w.start, direction: 'inbound', proto: 'tcp', local: `10.0.1.${h}`, remote: '198.51.100.66', port: 445 });
    }], at(11));
    const scan = out.find((a) => a.kind === 'scan')!;
    expect(scan.subject).toMatchObject({ remote: '198.51.100.66', port: 445 });
    expect(new Set(scan.subject.targets)).toEqual(new Set(Array.from({ length: 20 }, (_, i) => `10.0.1.${100 - i}`)));
  });
  it('stays quiet on a host talking to ten web servers', () => {
    const out = run([(w) => {
      for (const r of REMOTES.slice(0, 10)) w.flowStarts.push({ ts: w.start, direction: 'outbound', proto: 'tcp', local: '10.0.0.4', remote: r, port: 443 });
    }], at(11));
    expect(kinds(out)).not.toContain('scan');
  });
});

describe('error-surge', () => {
  it('fires on a storm of resets and names the most affected host', () => {
    const storm = (w: WindowStats): void => {
      w.directions.inbound.tcpRst = 600 * 60;
      w.topLocalHosts[0]!.tcpRstReceived = 600 * 60;
    };
    const out = run([storm, storm], at(10));
    const e = out.find((a) => a.kind === 'error-surge')!;
    expect(e.observed.feature).toBe('tcp.rst');
    expect(e.subject.localHost).toMatch(/^10\.0\.0\./);
  });
  it('stays quiet on the usual trickle of resets', () => {
    const out = run([(w) => { w.directions.inbound.tcpRst = 1; }], at(10));
    expect(kinds(out)).not.toContain('error-surge');
  });
});

describe('host-silent', () => {
  const silent = (w: WindowStats): void => {
    w.topLocalHosts = w.topLocalHosts.filter((h) => h.host !== SERVER);
    w.flowStarts = w.flowStarts.filter((f) => f.local !== SERVER);
  };
  it('fires when the always-on server goes quiet and reports its return', () => {
    const out = run([silent, silent, silent], at(10));
    const s = out.filter((a) => a.kind === 'host-silent');
    expect(s.length).toBeGreaterThanOrEqual(2);
    expect(s[0]!.subject.localHost).toBe(SERVER);
    expect(s[0]!.ongoing).toBe(true);
    const last = s.at(-1)!;
    expect(last.id).toBe(s[0]!.id);
    expect(last.ongoing).toBe(false);
    expect(last.summary).toMatch(/is back/);
  });
  it('stays quiet when the whole capture goes quiet (a sensor outage, not a host)', () => {
    const out = run([(w) => {
      const empty = { ...w, topLocalHosts: [], flowStarts: [], topRemoteEndpoints: [] };
      Object.assign(w, empty);
      w.dns.names = [];
      w.directions.internal.packets = 0;
    }, (w) => { w.topLocalHosts = []; w.flowStarts = []; w.topRemoteEndpoints = []; w.dns.names = []; }], at(10));
    expect(kinds(out)).not.toContain('host-silent');
  });
});

describe('new-destination', () => {
  it('fires on a significant upload to a network never seen', () => {
    const out = run([(w) => {
      w.topRemoteEndpoints.push({ host: '100.70.9.9', bytesOut: 3_000_000, bytesIn: 20_000, packets: 3000, flows: 1, localHosts: 1, topPort: 443 });
      w.flowStarts.push({ ts: w.start, direction: 'outbound', proto: 'tcp', local: '10.0.0.9', remote: '100.70.9.9', port: 443 });
    }], at(12));
    const n = out.find((a) => a.kind === 'new-destination')!;
    expect(n.subject).toEqual({ remote: '100.70.9.9', localHost: '10.0.0.9' });
  });
  it('stays quiet on the same volume to a known remote, and on a download from a new one', () => {
    const out = run([(w) => {
      w.topRemoteEndpoints.push({ host: REMOTES[5]!, bytesOut: 3_000_000, bytesIn: 20_000, packets: 3000, flows: 1, localHosts: 1, topPort: 443 });
      w.topRemoteEndpoints.push({ host: '100.70.9.10', bytesOut: 20_000, bytesIn: 30_000_000, packets: 3000, flows: 1, localHosts: 1, topPort: 443 });
    }], at(12));
    expect(kinds(out)).not.toContain('new-destination');
  });
});

describe('dns-tunnel', () => {
  const names = (seed: number): string[] => {
    const r = rng(seed);
    return Array.from({ length: 40 }, () => Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('') + '.t.tunnel-example.net');
  };
  it('fires on many long random names under one domain', () => {
    const out = run([(w) => {
      for (const name of names(1)) w.dns.names.push({ name, client: '10.0.0.8', queries: 1, nxdomain: 0, qtype: 16 });
    }], at(13));
    const t = out.find((a) => a.kind === 'dns-tunnel')!;
    expect(t.subject).toEqual({ localHost: '10.0.0.8', domain: 'tunnel-example.net' });
  });
  it('stays quiet on a host asking the same few names many times', () => {
    const out = run([(w) => {
      for (let i = 0; i < 40; i++) w.dns.names.push({ name: `www${i % 3}.cdn-example.com`, client: '10.0.0.8', queries: 5, nxdomain: 0, qtype: 1 });
    }], at(13));
    expect(kinds(out)).not.toContain('dns-tunnel');
  });
});

describe('beaconing', () => {
  const every = (n: number, jitter: (i: number) => number): Array<(w: WindowStats) => void> =>
    Array.from({ length: 12 * n }, (_, i) => (w: WindowStats) => {
      if (i % n === 0 && jitter(i / n) === 0) w.flowStarts.push({ ts: w.start, direction: 'outbound', proto: 'tcp', local: '10.0.0.11', remote: '192.0.2.200', port: 8443 });
    });
  it('fires on flows to one remote every 5 minutes', () => {
    const out = run(every(5, () => 0), at(9));
    const b = out.find((a) => a.kind === 'beaconing')!;
    expect(b.subject).toEqual({ localHost: '10.0.0.11', remote: '192.0.2.200', port: 8443 });
  });
  it('stays quiet on irregular flows to the same remote', () => {
    const r = rng(3);
    const crafted = Array.from({ length: 60 }, () => (w: WindowStats) => {
      if (r() < 0.2) w.flowStarts.push({ ts: w.start, direction: 'outbound', proto: 'tcp', local: '10.0.0.11', remote: '192.0.2.200', port: 8443 });
    });
    expect(kinds(run(crafted, at(9)))).not.toContain('beaconing');
  });
});

describe('threat-intel', () => {
  it('matches flows to listed prefixes and queries for listed domains incl. subdomains, and reloads the list', () => {
    const ioc = join(dir, 'ioc.txt');
    writeFileSync(ioc, '# test list\n192.0.2.128/25\nbad-example.org\n');
    const engine = new DetectionEngine(model, { ioc, now: () => 0 });
    const out = run([(w) => {
      w.flowStarts.push({ ts: w.start, direction: 'outbound', proto: 'tcp', local: '10.0.0.2', remote: '192.0.2.200', port: 443 });
      w.dns.names.push({ name: 'cdn.bad-example.org', client: '10.0.0.3', queries: 1, nxdomain: 0, qtype: 1 });
      w.dns.names.push({ name: 'not-bad-example.org', client: '10.0.0.3', queries: 1, nxdomain: 0, qtype: 1 });
    }], at(9), { engine });
    const ti = out.filter((a) => a.kind === 'threat-intel' && !a.ongoing);
    expect(ti.map((a) => a.subject).sort((a, b) => (a.localHost! < b.localHost! ? -1 : 1))).toEqual([
      { localHost: '10.0.0.2', remote: '192.0.2.200', port: 443 },
      { localHost: '10.0.0.3', domain: 'cdn.bad-example.org' },
    ]);
    expect(ti.every((a) => a.level === 'high' || a.level === 'critical')).toBe(true);

  });

  it('re-reads the list when the file changes', () => {
    const ioc = join(dir, 'ioc-reload.txt');
    writeFileSync(ioc, `${SERVER}\n`);
    let clock = 0;
    const engine = new DetectionEngine(model, { ioc, now: () => clock });
    const r = rng(11);
    const hits = (): number => {
      clock += 2000;
      const w = normalWindow(at(9, clock / 2000), WINDOW_MS, r);
      w.flowStarts.push({ ts: w.start, direction: 'outbound', proto: 'tcp', local: '10.0.0.2', remote: '192.0.2.99', port: 443 });
      return engine.process(w).filter((a) => a.kind === 'threat-intel' && a.ongoing && a.windows === 1).length;
    };
    expect(hits()).toBe(0);
    writeFileSync(ioc, '192.0.2.99\n');
    utimesSync(ioc, new Date(), new Date(Date.now() + 5000));
    expect(hits()).toBe(1);
  });
});

describe('deviation', () => {
  it('scores a window whose features never occur together above the threshold, normal windows below', () => {
    const engine = new DetectionEngine(model, { now: () => 0 });
    const normal = normalWindow(at(11), WINDOW_MS, rng(8));
    const features = new Float64Array(model.meta.features.length);
    expect(engine.deviation.error(extractFeatures(normal, features))).toBeLessThan(model.meta.autoencoder.threshold.threshold);
    const odd = normalWindow(at(11), WINDOW_MS, rng(8));
    odd.services.smb.bytes = odd.services.tls.bytes * 10;
    odd.services.tls.bytes = 0;
    odd.dns.labelEntropyMean = 4.5;
    odd.dns.nameLengthMean = 60;
    expect(engine.deviation.error(extractFeatures(odd, features))).toBeGreaterThan(model.meta.autoencoder.threshold.threshold);
  });
});

describe('IOC list parsing', () => {
  it('reads addresses, CIDRs and domains with comments, and reports lines it cannot use', () => {
    const ioc = join(dir, 'ioc-parse.txt');
    writeFileSync(ioc, '# list\n192.0.2.1\n2001:db8::/32  # v6 net\n*.evil.example\nnot an indicator\n10.0.0.0/33\n');
    const engine = new DetectionEngine(model, { ioc });
    expect(engine.iocRejected).toEqual(["line 5: 'not an indicator'", "line 6: '10.0.0.0/33'"]);
    const list = new IocList(ioc);
    expect(list.matchDomain('a.b.evil.example')).toBe('evil.example');
    expect(list.matchDomain('evil.example.com')).toBeNull();
    expect(list.matchAddress('2001:db8:0:1::5')).toBe('2001:db8::/32');
    expect(list.matchAddress('192.0.2.1')).toBe('192.0.2.1');
    expect(list.matchAddress('192.0.2.2')).toBeNull();
  });
});
