// The enterprise's incidents, low-and-slow ones included, spread over the evaluation days: the
// weekday ones over the working days after the first (kept normal for false alarms), the weekend
// ones on the first weekend day. Each actor is a host that is really on the network then.
import { TCP } from '../craft.ts';
import { remoteRtt, webExchanges } from './background.ts';
import { micros, US_PER_S } from './context.ts';
import { ephemeralPort, TcpConnection, udpDatagram } from './conversation.ts';
import { INCIDENT_NET_16, INCIDENT_NET_24 } from './enterpriseNetwork.ts';
import { type EnterpriseWorld, SEGMENT_BYTES } from './enterpriseTraffic.ts';
import { beacons, queryStream, tunnelName } from './incidentTraffic.ts';
import type { PlannedIncident } from './incidents.ts';
import { IOC_ADDRESS, IOC_DOMAIN } from './indicators.ts';
import type { LabelledKind } from './labels.ts';
import { incidentRemote, type LocalHost, type RemoteService } from './network.ts';
import { arpExchange } from './background.ts';
import { ntpPacket, smb2Header, syslogLine, tlsClientHello, tlsRecordHeader, tlsServerHello } from './payloads.ts';
import type { Random } from './random.ts';
import type { Emission, Micros, TrafficScript } from './schedule.ts';
import { dnsLookup, LAN_RTT, type Script, tcpSession } from './sessions.ts';
import { type Probe, shuffled, synScan } from './scans.ts';
import { emptySpan, tracked } from './tracked.ts';

const MB = 1e6;
const MINUTE = 60 * US_PER_S;
const HOUR = 60 * MINUTE;
/** start times move by up to this much either way with the seed */
const JITTER = 5 * MINUTE;

type DayGroup = 'weekday-1' | 'weekday-2' | 'weekday-3' | 'weekend';

interface Slot {
  id: string;
  kind: LabelledKind;
  group: DayGroup;
  /** local hour the incident starts (before jitter) */
  hour: number;
  /** how long its actor must be on the network, hours */
  hours: number;
}

export const ENTERPRISE_SLOTS: readonly Slot[] = [
  { id: 'rdp-sweep', kind: 'scan', group: 'weekday-1', hour: 9.7, hours: 0.2 },
  { id: 'burst-upload', kind: 'outbound-spike', group: 'weekday-1', hour: 11.2, hours: 0.2 },
  { id: 'role-change', kind: 'role-change', group: 'weekday-1', hour: 12.5, hours: 4.2 },
  { id: 'dns-tunnel-slow', kind: 'dns-tunnel', group: 'weekday-2', hour: 9.9, hours: 1.6 },
  { id: 'beacon-jitter', kind: 'beaconing', group: 'weekday-2', hour: 13.1, hours: 2.2 },
  { id: 'dga-nxdomain', kind: 'error-surge', group: 'weekday-2', hour: 16.2, hours: 0.2 },
  { id: 'server-silent', kind: 'host-silent', group: 'weekday-3', hour: 10.4, hours: 0.5 },
  { id: 'slow-exfiltration', kind: 'outbound-spike', group: 'weekday-3', hour: 11.9, hours: 3.2 },
  { id: 'new-network', kind: 'new-destination', group: 'weekday-3', hour: 16.4, hours: 0.3 },
  { id: 'port-scan-fast', kind: 'scan', group: 'weekend', hour: 10.8, hours: 0.1 },
  { id: 'threat-intel', kind: 'threat-intel', group: 'weekend', hour: 14.1, hours: 0.2 },
];

/** Which evaluation day carries each group: incidents need at least one working day after the first, or the first. */
export function incidentDays(w: EnterpriseWorld, evalFrom: number): Record<DayGroup, number> {
  const days = w.calendar.days.map((d, i) => ({ d, i })).filter(({ d }) => d.start >= evalFrom);
  const weekdays = days.filter(({ d }) => d.type === 'weekday').map(({ i }) => i);
  const weekend = days.filter(({ d }) => d.type === 'weekend').map(({ i }) => i);
  if (weekdays.length === 0 || weekend.length === 0) {
    throw new Error('the enterprise incidents need a working day and a weekend day after the training days; give more days or another start');
  }
  // keep the first working day normal when there are enough of them
  const pool = weekdays.length >= 4 ? weekdays.slice(1) : weekdays;
  return { 'weekday-1': pool[0]!, 'weekday-2': pool[1 % pool.length]!, 'weekday-3': pool[2 % pool.length]!, weekend: weekend[0]! };
}

export function planEnterpriseIncidents(w: EnterpriseWorld, evalFrom: number): PlannedIncident[] {
  const { ctx, net, calendar } = w;
  const rnd = ctx.random('incidents');
  const dayOf = incidentDays(w, evalFrom);
  const used = new Set<string>();
  const incidents: PlannedIncident[] = [];

  /** A desktop or laptop on the network for the whole of [from, to] (user at it when `attended`). */
  const actor = (r: Random, from: Micros, to: Micros, attended: boolean): LocalHost => {
    const fromMs = from / 1_000;
    const toMs = to / 1_000;
    for (const h of shuffled(r, [...net.desktops, ...net.laptops])) {
      if (used.has(h.ip)) continue;
      const p = w.presence.get(h.ip)!;
      let ok = true;
      for (let t = fromMs; t <= toMs && ok; t += 60_000) ok = p.connected(t) && (!attended || p.userActivity(t) > 0);
      if (ok && p.connected(toMs)) {
        used.add(h.ip);
        return h;
      }
    }
    throw new Error(`no desktop or laptop is on the network from ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()}: the incident plan needs one`);
  };

  for (const slot of ENTERPRISE_SLOTS) {
    const r = ctx.random(`incident:${slot.id}`);
    const t = micros(calendar.at(dayOf[slot.group], slot.hour)) + Math.round((rnd.next() * 2 - 1) * JITTER);
    const until = t + Math.round(slot.hours * HOUR);
    const add = (host: string, rest: { remote?: string; domain?: string; description: string }, script: TrafficScript, range?: { start: number; end: number }): void => {
      const span = emptySpan();
      incidents.push({ label: { id: slot.id, kind: slot.kind, host, ...rest }, span, script: startingAt(t, tracked(script, span)), range });
    };
    switch (slot.id) {
      case 'rdp-sweep': {
        const scanner = actor(r, t, until, false);
        const live = new Map(net.hosts.map((h) => [h.ip, h]));
        const probes: Probe[] = [];
        for (let k = 0; probes.length < 240; k++) {
          const ip = `10.20.${k >> 8}.${(k & 0xff) || 1}`;
          if (ip === scanner.ip || probes.some((p) => p.target.ip === ip)) continue;
          const target = live.get(ip) ?? { ip, mac: '02:00:0a:14:ff:ff', ttl: 128, ipId: 0, nextPort: 0 };
          probes.push({ target, port: 3389, answer: live.has(ip) ? (r.chance(0.1) ? 'open' : 'closed') : 'filtered' });
        }
        add(scanner.ip, { remote: net.subnets.desktops, description: 'an internal sweep of RDP (tcp/3389) across the desktop subnet, one new host a second for four minutes' },
          synScan(r, scanner, shuffled(r, probes), t, US_PER_S));
        break;
      }
      case 'burst-upload': {
        const host = actor(r, t, until, false);
        const drop = incidentRemote(`${INCIDENT_NET_24}.166`, 'upload.filedrop.example', 443);
        const bytes = Math.round(150 * MB * ctx.scale);
        add(host.ip, { remote: drop.ip, domain: drop.domain, description: `a workstation uploads ${(bytes / MB).toFixed(0)} MB over TLS to a server it has never used, in about four minutes` },
          resolveThenUpload(w, r, host, drop, t, bytes, 240));
        break;
      }
      case 'role-change': {
        const host = actor(r, t, until, true);
        add(host.ip, {
          description: 'a desktop starts serving files (SMB) and a web page (HTTP 8080) to dozens of internal peers for four hours; every transfer is small, so no volume rule fires',
        }, servesPeers(w, r, host, t, until));
        break;
      }
      case 'dns-tunnel-slow': {
        const host = actor(r, t, until, false);
        const domain = 'telemetry-cache.example';
        add(host.ip, { domain, description: `a slow DNS tunnel: TXT queries with long hex labels under ${domain} through the resolver, 0.4 a second for 90 minutes` },
          queryStream(ctx, r, host, t, 90 * 60, Math.round(2.5 * US_PER_S), () => ({ name: tunnelName(r, domain), qtype: 16 })));
        break;
      }
      case 'beacon-jitter': {
        const host = actor(r, t, until, false);
        const c2 = incidentRemote(`${INCIDENT_NET_24}.144`, 'cdn-check.example', 443);
        add(host.ip, { remote: c2.ip, domain: c2.domain, description: 'a short TLS check-in to the same server every 120 s ± 15 % for two hours' },
          beacons(ctx, r, host, c2, t, 60, 120 * US_PER_S, 18 * US_PER_S));
        break;
      }
      case 'dga-nxdomain': {
        const host = actor(r, t, until, false);
        add(host.ip, { description: 'malware tries algorithmically generated domains through the resolver, about 4 a second for five minutes, nearly all NXDOMAIN' },
          queryStream(ctx, r, host, t, 300, 250_000, () => ({ name: dgaName(r), rcode: 3 })));
        break;
      }
      case 'server-silent': {
        const app = net.appServer;
        const minutes = r.uniform(22, 28);
        const to = t + Math.round(minutes * MINUTE);
        ctx.silences.push({ host: app, from: t, to });
        add(app.ip, { description: `the ${app.name}, which logs every 10 s, sends nothing for ${minutes.toFixed(1)} minutes on a working day (a hang) and comes back` },
          serverReturns(w, r, app, to), { start: t / 1_000, end: to / 1_000 });
        break;
      }
      case 'slow-exfiltration': {
        const host = actor(r, t, until, false);
        const drop = incidentRemote(`${INCIDENT_NET_16}.23.45`, 'store.quickshare.example', 443);
        add(host.ip, { remote: drop.ip, domain: drop.domain, description: 'a workstation sends about 60 MB to a network it never used, in small TLS uploads every couple of minutes over three hours' },
          slowExfiltration(w, r, host, drop, t, Math.round(60 * MB * ctx.scale), 3 * HOUR));
        break;
      }
      case 'new-network': {
        const host = actor(r, t, until, true);
        const partner = incidentRemote(`${INCIDENT_NET_16}.88.9`, 'sync.newpartner.example', 443);
        add(host.ip, { remote: partner.ip, domain: partner.domain, description: 'steady two-way traffic to a server in a network never seen before, for ten minutes' },
          resolveThenUpload(w, r, host, partner, t, Math.round(3 * MB * ctx.scale), 600, Math.round(8 * MB * ctx.scale)));
        break;
      }
      case 'port-scan-fast': {
        const scanner = actor(r, t, until, false);
        const target = net.fileServer;
        const probes: Probe[] = [];
        for (let port = 1; port <= 1000; port++) {
          probes.push({ target, port, answer: [135, 139, 445].includes(port) ? 'open' : r.chance(0.35) ? 'closed' : 'filtered' });
        }
        add(scanner.ip, { remote: target.ip, description: `a fast SYN scan of ports 1-1000 on the ${target.name} on a weekend` }, synScan(r, scanner, shuffled(r, probes), t, 20_000));
        break;
      }
      case 'threat-intel': {
        const host = actor(r, t, until, false);
        const c2 = incidentRemote(IOC_ADDRESS, `update.${IOC_DOMAIN}`, 443);
        add(host.ip, { remote: c2.ip, domain: c2.domain, description: 'lookup of a listed domain and a TLS session to its listed address' },
          resolveThenUpload(w, r, host, c2, t, 40_000, 20, 600_000));
        break;
      }
    }
  }
  return incidents;
}

/** Holds a script back until `at`: generators run up to their first packet as soon as they are scheduled. */
function* startingAt(at: Micros, script: TrafficScript): Generator<Emission, void, undefined> {
  yield { at, spawn: script };
}

function dgaName(r: Random): string {
  let s = '';
  const n = r.int(12, 20);
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + r.int(0, 25));
  return `${s}.${r.pick(['com', 'net', 'info', 'biz'])}`;
}

/** A lookup, then one TLS session moving `up` bytes out (and `down` in) over about `seconds`. */
function* resolveThenUpload(w: EnterpriseWorld, r: Random, host: LocalHost, svc: RemoteService, t: Micros, up: number, seconds: number, down = 2_000): Script {
  const at = (yield* dnsLookup(r, w.net, host, t, { name: svc.domain, answers: [svc.ip], forward: true })) + r.int(500, 5_000);
  const exchanges = webExchanges(r, svc, 1, 500);
  exchanges.push({ fromClient: true, bytes: up, kept: tlsRecordHeader(16_384) });
  exchanges.push({ fromClient: false, bytes: down, kept: tlsRecordHeader(16_384) });
  return yield* tcpSession(r, {
    client: host, server: svc, dport: svc.port, rtt: remoteRtt(r), bps: ((up + down) * 8) / seconds, exchanges, segmentBytes: SEGMENT_BYTES,
  }, at);
}

/** `bytes` out in TLS uploads of varying size every couple of minutes, over `duration`. */
function* slowExfiltration(w: EnterpriseWorld, r: Random, host: LocalHost, svc: RemoteService, t: Micros, bytes: number, duration: Micros): Generator<Emission, void, undefined> {
  const uploads = 90;
  const gap = duration / uploads;
  let at = t;
  for (let i = 0; i < uploads; i++) {
    const size = Math.round((bytes / uploads) * r.uniform(0.7, 1.3));
    const session = tcpSession(r, {
      client: host, server: svc, dport: svc.port, rtt: remoteRtt(r), bps: r.logNormal(4e6, 0.3), segmentBytes: 16_000,
      exchanges: [
        { fromClient: true, bytes: 517, kept: tlsClientHello(svc.domain, r) },
        { fromClient: false, bytes: 3_000, kept: tlsServerHello(3_000) },
        { fromClient: true, bytes: size, kept: tlsRecordHeader(16_384) },
        { fromClient: false, bytes: 120, kept: tlsRecordHeader(120) },
      ],
    }, i === 0 ? at + 80_000 : at);
    yield { at, spawn: i === 0 ? lookupThen(w, r, host, svc, at, session) : session };
    at += Math.round(gap * r.uniform(0.6, 1.4));
  }
}

function* lookupThen(w: EnterpriseWorld, r: Random, host: LocalHost, svc: RemoteService, t: Micros, then: Script): Script {
  yield* dnsLookup(r, w.net, host, t, { name: svc.domain, answers: [svc.ip], forward: true });
  return yield* then;
}

/**
 * The changed role: other desktops and laptops open SMB sessions and HTTP requests to this
 * desktop, a few a minute, each moving tens of kilobytes.
 */
function* servesPeers(w: EnterpriseWorld, r: Random, host: LocalHost, t: Micros, until: Micros): Generator<Emission, void, undefined> {
  const peers = shuffled(r, [...w.net.desktops, ...w.net.laptops].filter((h) => h !== host)).slice(0, 60);
  let at = t;
  while (at < until) {
    const first = r.int(0, peers.length - 1);
    let peer: LocalHost | undefined;
    for (let k = 0; k < peers.length && !peer; k++) {
      const p = peers[(first + k) % peers.length]!;
      if (w.presence.get(p.ip)!.connected(at / 1_000)) peer = p;
    }
    if (peer) {
      const smb = r.chance(0.6);
      const size = Math.round(r.logNormal(40_000, 0.8));
      yield {
        at, spawn: tcpSession(r, {
          client: peer, server: host, dport: smb ? 445 : 8080, rtt: LAN_RTT, bps: r.logNormal(200e6, 0.4), segmentBytes: SEGMENT_BYTES,
          exchanges: smb
            ? [{ fromClient: true, bytes: 180, kept: smb2Header(184) }, { fromClient: false, bytes: 250, kept: smb2Header(254) },
              { fromClient: true, bytes: 220, kept: smb2Header(220) }, { fromClient: false, bytes: size, kept: smb2Header(size) }]
            : [{ fromClient: true, bytes: r.int(300, 600), kept: new TextEncoder().encode(`GET /share/${r.int(1, 500)} HTTP/1.1\r\n`) },
              { fromClient: false, bytes: size, kept: new TextEncoder().encode('HTTP/1.1 200 OK\r\n') }],
        }, at),
      };
    }
    at += Math.round(r.exponential(25 * US_PER_S)) + US_PER_S;
  }
}

/** A server coming back after a hang: it announces itself, syncs its clock and logs its start. */
function* serverReturns(w: EnterpriseWorld, r: Random, host: LocalHost, t: Micros): Script {
  yield* arpExchange(host, w.net.gateway, t);
  let at = t + 2 * US_PER_S;
  for (let i = 0; i < 4; i++) {
    yield udpDatagram(at, host, w.net.domainController, 123, 123, ntpPacket(false));
    yield udpDatagram(at + LAN_RTT, w.net.domainController, host, 123, 123, ntpPacket(true));
    at += 2 * US_PER_S;
  }
  yield udpDatagram(at, host, w.net.monitoringServer, 514, 514, syslogLine('intranet01', 'service started after watchdog restart'));
  const conn = new TcpConnection(host, w.net.domainController, ephemeralPort(host), 389, r.int(0, 0x7fffffff), r.int(0, 0x7fffffff));
  yield conn.segment((at += 500_000), true, TCP.SYN);
  yield conn.segment((at += LAN_RTT), false, TCP.SYN | TCP.ACK);
  yield conn.segment((at += 60), true, TCP.ACK);
  return at;
}
