// Uploads to the site's shared networks (cloud storage with rotating addresses, used by many hosts
// every day) are judged against what those networks received, not against the one host's week:
// a laptop's rare large sync stays quiet, the same volume to a network never seen fires, and a
// volume far beyond anything the cloud network received fires naming host and receiver.
import { describe, expect, it } from 'vitest';
import { emptyWindowStats, type LocalHostStats, type WindowStats } from '../../capture/index.ts';
import { DestinationBaseline } from '../../model/destinationBaseline.ts';
import { HostBaselines } from '../../model/hostBaselines.ts';
import { TrainingSet } from '../../model/trainingSet.ts';
import { SeasonalBaseline } from '../../model/seasonalBaseline.ts';
import { SharedUploads } from '../../model/sharedUploads.ts';
import { SiteCalendar } from '../../model/timeSlots.ts';
import { OutboundSpikeDetector } from '../../model/detectors/outboundSpike.ts';
import { UploadBudgetDetector } from '../../model/detectors/uploadBudget.ts';
import type { Detector, Finding } from '../../model/detectors/finding.ts';
import { FEATURE_COUNT, extractFeatures } from '../../model/features.ts';
import { rng } from '../../datasets/synthetic/index.ts';

const S = 1000;
const H = 3_600_000;
const DAY = 24 * H;
const MONDAY = Date.UTC(2024, 2, 4);
const LAPTOPS = Array.from({ length: 120 }, (_, i) => `10.2.${Math.floor(i / 60)}.${10 + (i % 60)}`);
const WEB = '203.0.113.80';

function cloudAddress(r: () => number): string {
  return `198.18.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 250)}`;
}

interface Upload { host: string; remote: string; perSecond: number }

/** One 1 s window: every laptop browsing a little, plus the uploads running in it. */
function window(t: number, r: () => number, uploads: readonly Upload[]): WindowStats {
  const w = emptyWindowStats('t', t, S);
  const byHost = new Map<string, LocalHostStats>();
  const add = (h: string, payload: number, remote: string): void => {
    const packets = Math.max(1, Math.ceil(payload / 1400));
    const bytes = payload + packets * 66;
    byHost.set(h, {
      host: h, bytesOut: bytes, bytesIn: bytes, packetsOut: packets, packetsIn: packets, flows: 1, flowsStarted: 0, peers: 1, dstPorts: 1,
      tcpSyn: 0, tcpSynUnanswered: 0, tcpRstReceived: 0, dnsQueries: 0, dnsNxdomain: 0, bytesToRemote: bytes, packetsToRemote: packets, topRemote: remote,
    });
    w.topRemoteEndpoints.push({ host: remote, bytesOut: bytes, bytesIn: 0, packets, flows: 1, localHosts: 1, topPort: 443 });
    w.directions.outbound.bytes += bytes;
    w.directions.outbound.packets += packets;
  };
  for (const l of LAPTOPS) if (r() < 0.05) add(l, 200 + r() * 800, WEB);
  for (const u of uploads) {
    add(u.host, u.perSecond, u.remote);
    w.flowStarts.push({ ts: t, direction: 'outbound', proto: 'tcp', local: u.host, remote: u.remote, port: 443 });
  }
  w.localHosts = [...byHost.values()].sort((a, b) => b.bytesOut - a.bytesOut);
  w.topLocalHosts = w.localHosts.slice(0, 20);
  w.health.packetsSeen = w.directions.outbound.packets;
  return w;
}

/** A working day's office hours: each laptop syncs now and then, sizes heavy-tailed (a few tens of MB at most). */
/** The archive server pushes 100 MB to the cloud at 11:00 every working day. */
const ARCHIVE = '10.2.9.5';
const ARCHIVE_BYTES = 100e6;
const archiveAt = (day: number, hour: number) => (t: number): Upload[] => {
  const start = MONDAY + day * DAY + hour * H;
  return t >= start && t < start + (ARCHIVE_BYTES / 4e6) * S ? [{ host: ARCHIVE, remote: '198.18.9.9', perSecond: 4e6 }] : [];
};

function* workingDay(day: number, r: () => number, extra: (t: number) => Upload[] = () => []): Generator<WindowStats> {
  let running: Array<Upload & { until: number }> = [];
  for (let t = MONDAY + day * DAY + 8 * H; t < MONDAY + day * DAY + 12 * H; t += S) {
    running = running.filter((u) => u.until > t);
    if (r() < 0.05) {
      const size = Math.min(40e6, 250e3 * Math.exp(1.4 * gaussian(r)));
      const perSecond = 2e6;
      running.push({ host: LAPTOPS[Math.floor(r() * LAPTOPS.length)]!, remote: cloudAddress(r), perSecond, until: t + Math.max(S, (size / perSecond) * S) });
    }
    yield window(t, r, [...running, ...extra(t)]);
  }
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function train(): { hosts: HostBaselines; destinations: DestinationBaseline } {
  const r = rng(21);
  const set = new TrainingSet(1, [], SiteCalendar.UTC);
  for (let day = 0; day < 3; day++) for (const w of workingDay(day, r, archiveAt(day, 11))) set.add(w);
  // through the model's JSON, as a sensor loads it
  const destinations = new DestinationBaseline(JSON.parse(JSON.stringify(set.patterns.patterns.destinations.toJson())));
  return { hosts: new HostBaselines(set.hostBuilder.build(), SiteCalendar.UTC), destinations };
}

const { hosts, destinations } = train();
const seasonal = new SeasonalBaseline({ spanMs: 3 * DAY, windowMs: S, windowsHow: [], windowsHod: [], windowsAll: 0, keys: {} });

function run(detectors: Detector[], windows: Iterable<WindowStats>): Finding[] {
  const f = new Float64Array(FEATURE_COUNT);
  const out: Finding[] = [];
  for (const w of windows) for (const d of detectors) d.detect({ w, features: extractFeatures(w, f), captureLoss: false, dnsNames: [] }, out);
  return out;
}

function detectors(shared: boolean): Detector[] {
  const s = shared ? new SharedUploads(destinations) : undefined;
  return [new OutboundSpikeDetector(seasonal, hosts, s), new UploadBudgetDetector(hosts, undefined, s)];
}

/** A laptop uploads `bytes` at 2 MB/s to `remote`, starting at 10:00 on the judged day. */
function uploadOf(host: string, remote: string, bytes: number, perSecond = 2e6): (t: number) => Upload[] {
  const start = MONDAY + 7 * DAY + 10 * H;
  return (t) => (t >= start && t < start + (bytes / perSecond) * S ? [{ host, remote, perSecond }] : []);
}

describe('uploads to shared networks', () => {
  const LAPTOP = LAPTOPS[7]!;

  it('the cloud /16 is learned as shared, with the most one host and the most any other host sent to it', () => {
    const v = destinations.classify('198.18.77.9', MONDAY + 7 * DAY);
    expect(v.cls).toBe('shared');
    expect(v.network).toBe('198.18.0.0/16');
    expect(v.hostMaxOf).toBe(ARCHIVE);
    expect(v.hostMax).toBeGreaterThan(0.5 * ARCHIVE_BYTES);
    // the laptops' largest sync
    expect(v.hostSecond).toBeGreaterThan(5e6);
    expect(v.hostSecond).toBeLessThan(41e6);
    expect(destinations.classify('192.0.2.10', MONDAY + 7 * DAY).cls).toBe('new');
  });

  it('a laptop\'s 30 MB sync to a new address of the cloud network is quiet; judged against the host alone it would not be', () => {
    const sync = (): Generator<WindowStats> => workingDay(7, rng(5), uploadOf(LAPTOP, '198.18.200.3', 30e6));
    expect(run(detectors(true), sync()).filter((f) => f.kind === 'outbound-spike')).toEqual([]);
    const unsplit = run(detectors(false), sync()).filter((f) => f.subject.localHost === LAPTOP);
    expect(unsplit.length).toBeGreaterThan(0);
  });

  it('the same 30 MB to a network never seen fires, naming the laptop and the receiver', () => {
    const found = run(detectors(true), workingDay(7, rng(5), uploadOf(LAPTOP, '192.0.2.10', 30e6)));
    const mine = found.filter((f) => f.kind === 'outbound-spike' && f.subject.localHost === LAPTOP);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((f) => f.subject.remote === '192.0.2.10')).toBe(true);
    expect(found.filter((f) => f.subject.localHost !== undefined && f.subject.localHost !== LAPTOP)).toEqual([]);
  });

  it('the network\'s largest sender is judged by the other hosts and its own hours: its archive at 11:00 is quiet, at 08:30 it fires', () => {
    expect(run(detectors(true), workingDay(7, rng(6), archiveAt(7, 11))).filter((f) => f.kind === 'outbound-spike')).toEqual([]);
    const early = run(detectors(true), workingDay(7, rng(6), archiveAt(7, 8.5))).filter((f) => f.subject.localHost === ARCHIVE);
    expect(early.length).toBeGreaterThan(0);
    expect(early[0]!.subject.remote).toBe('198.18.9.9');
  });

  it('far more than any other host sent to the cloud network fires, naming the host and the receiver', () => {
    const limit = 2 * destinations.classify('198.18.200.3', MONDAY + 7 * DAY).hostSecond;
    const found = run(detectors(true), workingDay(7, rng(5), uploadOf(LAPTOP, '198.18.200.3', 3 * limit, 4e6)));
    const mine = found.filter((f) => f.subject.localHost === LAPTOP);
    expect(mine.length).toBeGreaterThan(0);
    // in its first minute, or over the ten minutes the network's volume is measured on
    expect(['host.payloadOutPerMinute', 'host.payloadOutShared']).toContain(mine[0]!.observed.feature);
    expect(mine[0]!.observed.value).toBeGreaterThanOrEqual(limit);
    expect(mine.every((f) => f.subject.remote === '198.18.200.3')).toBe(true);
  });
});
