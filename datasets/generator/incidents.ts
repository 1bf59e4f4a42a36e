// The incident day: one of every detector kind, spread over the day so that no two overlap, each
// with its label. Hosts, remotes and exact times vary with the seed.
import { backupBytes, backupRun } from './backup.ts';
import { type TrafficContext, micros, US_PER_S } from './context.ts';
import { IOC_ADDRESS, IOC_CIDR_MEMBER, IOC_DOMAIN } from './indicators.ts';
import {
  beacons, bulkTls, hostReturns, queryStream, resetStorm, resolveThenBulk, tunnelName,
} from './incidentTraffic.ts';
import type { IncidentLabel, LabelledKind, LookAlikeLabel } from './labels.ts';
import { incidentRemote, type LocalHost } from './network.ts';
import { HOUR_MS } from './profile.ts';
import type { Random } from './random.ts';
import type { Emission, Micros, TrafficScript } from './schedule.ts';
import { type Probe, shuffled, synScan } from './scans.ts';
import { emptySpan, type ObservedSpan, tracked } from './tracked.ts';

const MB = 1e6;
const MINUTE = 60 * US_PER_S;

export interface PlannedTraffic {
  span: ObservedSpan;
  /** starts at its planned time: nothing of it runs before (it shares hosts with the normal traffic) */
  script: TrafficScript;
}

export interface PlannedIncident extends PlannedTraffic {
  label: Omit<IncidentLabel, 'start' | 'end'>;
  /** a labelled range that is not the packets' span (a silence) */
  range?: { start: number; end: number };
}

export interface PlannedLookAlike extends PlannedTraffic {
  label: Omit<LookAlikeLabel, 'start' | 'end'>;
}

interface Slot {
  id: string;
  kind: LabelledKind;
  /** hour of day the incident starts (before jitter) */
  hour: number;
}

const SLOTS: Slot[] = [
  { id: 'backup-unusual-hour', kind: 'outbound-spike', hour: 4.2 },
  { id: 'scan-vertical', kind: 'scan', hour: 9.1 },
  { id: 'scan-horizontal', kind: 'scan', hour: 9.75 },
  { id: 'rst-storm', kind: 'error-surge', hour: 10.4 },
  { id: 'host-silent', kind: 'host-silent', hour: 11.0 },
  { id: 'exfiltration', kind: 'outbound-spike', hour: 11.75 },
  { id: 'new-destination', kind: 'new-destination', hour: 13.5 },
  { id: 'dns-tunnel', kind: 'dns-tunnel', hour: 14.3 },
  { id: 'beaconing', kind: 'beaconing', hour: 15.0 },
  { id: 'nxdomain-storm', kind: 'error-surge', hour: 16.5 },
  { id: 'threat-intel-domain', kind: 'threat-intel', hour: 17.1 },
  { id: 'threat-intel-address', kind: 'threat-intel', hour: 17.8 },
];
const LOOK_ALIKE_HOUR = 12.5;
/** start times move by up to this much either way with the seed */
const JITTER = 5 * MINUTE;

export interface IncidentPlan {
  incidents: PlannedIncident[];
  lookAlikes: PlannedLookAlike[];
}

export function planIncidents(ctx: TrafficContext, dayStartMs: number): IncidentPlan {
  const net = ctx.net;
  const rnd = ctx.random('incidents');
  const at = (hour: number): Micros => micros(dayStartMs + hour * HOUR_MS) + Math.round((rnd.next() * 2 - 1) * JITTER);
  // the administrator's workstation keeps its SSH habit; the others take turns as actors
  const actors = shuffled(rnd, net.workstations.slice(1));
  let nextActor = 0;
  const actor = (): LocalHost => actors[nextActor++ % actors.length]!;
  const scaled = (bytes: number, min: number): number => Math.round(Math.max(bytes * ctx.scale, min));
  const incidents: PlannedIncident[] = [];
  const add = (
    slot: Slot, label: Omit<IncidentLabel, 'start' | 'end' | 'id' | 'kind'>, start: Micros, script: TrafficScript, range?: PlannedIncident['range'],
  ): void => {
    const span = emptySpan();
    incidents.push({ label: { id: slot.id, kind: slot.kind, ...label }, span, script: startingAt(start, tracked(script, span)), range });
  };
  const streams = (id: string): Random => ctx.random(`incident:${id}`);

  for (const slot of SLOTS) {
    const r = streams(slot.id);
    const t = at(slot.hour);
    switch (slot.id) {
      case 'backup-unusual-hour':
        add(slot, {
          host: net.backupServer.ip, remote: net.offsiteBackup.ip,
          description: 'the backup upload runs at an hour it never runs (a copy of the data leaving outside its window)',
        }, t, backupRun(ctx, r, t, backupBytes(ctx.scale)));
        break;
      case 'scan-vertical': {
        const scanner = actor();
        const target = net.fileServer;
        const probes: Probe[] = [];
        for (let port = 1; port <= 1000; port++) {
          const answer = [135, 139, 445].includes(port) ? 'open' : r.chance(0.35) ? 'closed' : 'filtered';
          probes.push({ target, port, answer });
        }
        add(slot, {
          host: scanner.ip, remote: target.ip,
          description: `SYN scan of ports 1-1000 on the ${target.name}; most probes unanswered or reset`,
        }, t, synScan(r, scanner, shuffled(r, probes), t, 45_000));
        break;
      }
      case 'scan-horizontal': {
        const scanner = actor();
        const live = new Map(net.hosts.map((h) => [h.ip, h]));
        const probes: Probe[] = [];
        for (let last = 1; last <= 254; last++) {
          const ip = `10.0.0.${last}`;
          if (ip === scanner.ip) continue;
          const host = live.get(ip);
          const target = host ?? { ip, mac: `02:00:0a:00:00:${last.toString(16).padStart(2, '0')}`, ttl: 64, ipId: 0, nextPort: 0 };
          probes.push({ target, port: 445, answer: host === undefined ? 'filtered' : host === net.fileServer ? 'open' : 'closed' });
        }
        add(slot, {
          host: scanner.ip, remote: net.localNet,
          description: 'sweep of port 445 (SMB) across the office /24, as a worm spreading',
        }, t, synScan(r, scanner, shuffled(r, probes), t, 60_000));
        break;
      }
      case 'rst-storm': {
        const host = actor();
        const service = net.web[4]!;
        add(slot, {
          host: host.ip, remote: service.ip,
          description: `a client retries ${service.domain}:${service.port}, which refuses every connection with a reset, in a tight loop`,
        }, t, resetStorm(r, host, service, t, 180, 25_000));
        break;
      }
      case 'host-silent': {
        const app = net.appServer;
        const minutes = r.uniform(12, 16);
        const from = t;
        const to = t + Math.round(minutes * MINUTE);
        ctx.silences.push({ host: app, from, to });
        add(slot, {
          host: app.ip,
          description: `the ${app.name}, which logs every 10 s, goes silent for ${minutes.toFixed(1)} minutes (an unexpected reboot) and comes back`,
        }, to, hostReturns(ctx, r, app, to), { start: from / 1_000, end: to / 1_000 });
        break;
      }
      case 'exfiltration': {
        const host = actor();
        const drop = incidentRemote('198.51.100.166', 'upload.filedrop.example', 443);
        const bytes = scaled(200 * MB, 15 * MB);
        add(slot, {
          host: host.ip, remote: drop.ip, domain: drop.domain,
          description: `a workstation uploads ${(bytes / MB).toFixed(0)} MB over TLS to a server it has never used, in about four minutes`,
        }, t, resolveThenBulk(ctx, r, host, drop, t, bytes, 400_000, 240));
        break;
      }
      case 'new-destination': {
        const host = actor();
        const partner = incidentRemote('192.0.2.177', 'sync.newpartner.example', 443);
        add(slot, {
          host: host.ip, remote: partner.ip, domain: partner.domain,
          description: 'steady two-way traffic to a server never seen before, for ten minutes',
        }, t, resolveThenBulk(ctx, r, host, partner, t, scaled(3 * MB, 0.5 * MB), scaled(8 * MB, 1 * MB), 600));
        break;
      }
      case 'dns-tunnel': {
        const host = actor();
        const domain = 'stats-sync.example';
        add(slot, {
          host: host.ip, domain,
          description: `dnscat2-like tunnel: long hex labels under ${domain}, about 8 queries a second for ten minutes`,
        }, t, queryStream(ctx, r, host, t, 600, 125_000, () => ({ name: tunnelName(r, domain), qtype: 16 })));
        break;
      }
      case 'beaconing': {
        const host = actor();
        const c2 = incidentRemote('203.0.113.144', 'cdn-check.example', 443);
        add(slot, {
          host: host.ip, remote: c2.ip, domain: c2.domain,
          description: 'a short TLS check-in to the same server every 30 s (± 1 s) for an hour',
        }, t, beacons(ctx, r, host, c2, t, 120, 30 * US_PER_S, US_PER_S / 2));
        break;
      }
      case 'nxdomain-storm': {
        const host = actor();
        add(slot, {
          host: host.ip,
          description: 'a misconfigured application looks up names that do not exist, 15 a second for three minutes',
        }, t, queryStream(ctx, r, host, t, 180, 66_000, () => ({
          name: `${r.pick(['fileserver-old', 'print', 'wpad', 'sql', 'share', 'intranet'])}${r.int(1, 40)}.corp.example`,
          rcode: 3,
        })));
        break;
      }
      case 'threat-intel-domain': {
        const host = actor();
        const c2 = incidentRemote(IOC_ADDRESS, `update.${IOC_DOMAIN}`, 443);
        add(slot, {
          host: host.ip, remote: c2.ip, domain: c2.domain,
          description: 'lookup of a listed domain and a TLS session to its listed address',
        }, t, resolveThenBulk(ctx, r, host, c2, t, 40_000, 600_000, 20));
        break;
      }
      case 'threat-intel-address': {
        const host = actor();
        const c2 = incidentRemote(IOC_CIDR_MEMBER, '', 4444);
        add(slot, {
          host: host.ip, remote: c2.ip,
          description: 'a session to port 4444 of an address inside a listed network, without a DNS lookup',
        }, t, bulkTls(r, host, c2, t, 60_000, 120_000, 90));
        break;
      }
    }
  }

  const dl = streams('look-alike');
  const downloader = actor();
  const cdn = net.web[2]!;
  const span = emptySpan();
  const bytes = scaled(250 * MB, 20 * MB);
  const dlStart = at(LOOK_ALIKE_HOUR);
  const lookAlikes: PlannedLookAlike[] = [{
    span,
    label: {
      id: 'large-download', resembles: 'outbound-spike', host: downloader.ip, remote: cdn.ip,
      description: `a ${(bytes / MB).toFixed(0)} MB download from a known CDN in about four minutes: inbound, so not exfiltration`,
    },
    script: startingAt(dlStart, tracked(bulkTls(dl, downloader, cdn, dlStart, 0, bytes, 240), span)),
  }];
  return { incidents, lookAlikes };
}

/** Holds a script back until `at`: generators run up to their first packet as soon as they are scheduled. */
function* startingAt(at: Micros, script: TrafficScript): Generator<Emission, void, undefined> {
  yield { at, spawn: script };
}
