// The everyday traffic of the enterprise site, host by host: monitoring-agent heartbeats, NTP,
// update checks, antivirus reputation lookups and CDN names through the resolver, browsing, file
// shares, mail, cloud sync to rotating addresses, printing, the servers' own chatter and the IoT
// devices' cloud link. Bulk moves in few large segments (see SEGMENT_BYTES): the byte counts are
// true, the packet counts stay small enough for two weeks of four hundred hosts.
import { dnsResponse, TCP } from '../craft.ts';
import { arpExchange, arrivals, mapSpawn, merge, periodic, remoteRtt, single, type Source, webExchanges } from './background.ts';
import { type TrafficContext, millis, US_PER_S } from './context.ts';
import { ephemeralPort, TcpConnection, udpDatagram } from './conversation.ts';
import { addressIn, type EnterpriseNetwork } from './enterpriseNetwork.ts';
import { type Endpoint, type LocalHost, remote, type RemoteService } from './network.ts';
import { ntpPacket, PJL_HEADER, smb2Header, syslogLine, tlsClientHello, tlsRecordHeader, tlsServerHello } from './payloads.ts';
import { alwaysOn, desktopPresence, type Interval, laptopPresence, type Presence } from './presence.ts';
import type { Random } from './random.ts';
import type { Micros } from './schedule.ts';
import { dnsLookup, LAN_RTT, type Script, type TcpExchange, tcpSession } from './sessions.ts';
import type { SiteCalendar } from './siteCalendar.ts';

/** Payload bytes per data packet of a bulk transfer: segmentation-offload sized. */
export const SEGMENT_BYTES = 64_000;

/** Peak start rates per user, per second, at scale 1. */
const WEB_VISITS_PER_S = 1 / 700;
const SMB_SESSIONS_PER_S = 1 / 1800;
const SYNC_UPLOADS_PER_S = 1 / 1500;
const INTRANET_PER_S = 1 / 1200;
const PRINT_JOBS_PER_S = 1 / 9000;
/** antivirus reputation lookups: busy user, and a machine left alone */
const AV_BUSY_PER_S = 1 / 300;
const AV_IDLE_SHARE = 0.15;
const TEXT = new TextEncoder();

export interface EnterpriseWorld {
  ctx: TrafficContext;
  net: EnterpriseNetwork;
  calendar: SiteCalendar;
  /** every local host's presence, by address */
  presence: Map<string, Presence>;
}

/** Decides, from the seed, when every host is on the network and its user at work. */
export function planPresence(ctx: TrafficContext, net: EnterpriseNetwork, calendar: SiteCalendar): Map<string, Presence> {
  const out = new Map<string, Presence>();
  for (const h of net.hosts) {
    const rnd = ctx.random(`presence:${h.ip}`);
    out.set(h.ip, h.role === 'desktop' ? desktopPresence(h, calendar, rnd) : h.role === 'laptop' ? laptopPresence(h, calendar, rnd) : alwaysOn(h, calendar));
  }
  return out;
}

function* filterTimes(times: Generator<Micros>, keep: (at: Micros) => boolean): Generator<Micros> {
  for (const at of times) if (keep(at)) yield at;
}

/** A web-like session to `server` with coarse segments. */
function coarseSession(rnd: Random, client: Endpoint, server: Endpoint, dport: number, rtt: Micros, exchanges: TcpExchange[], t: Micros): Script {
  return tcpSession(rnd, { client, server, dport, rtt, bps: rnd.logNormal(40e6, 0.5), exchanges, segmentBytes: SEGMENT_BYTES }, t);
}

function tlsExchanges(rnd: Random, serverName: string, up: number, down: number): TcpExchange[] {
  const hello = rnd.int(2_800, 5_600);
  return [
    { fromClient: true, bytes: 517, kept: tlsClientHello(serverName, rnd) },
    { fromClient: false, bytes: hello, kept: tlsServerHello(hello) },
    { fromClient: true, bytes: Math.max(80, up), kept: tlsRecordHeader(Math.max(80, up)) },
    { fromClient: false, bytes: Math.max(60, down), kept: tlsRecordHeader(Math.max(60, down)) },
  ];
}

/** A name that exists nowhere: a browser's captive-portal probe, completed by the search domain. */
function probeName(rnd: Random, zone: string): string {
  let s = '';
  const n = rnd.int(7, 15);
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + rnd.int(0, 25));
  return `${s}.${zone}`;
}

function* webVisit(w: EnterpriseWorld, rnd: Random, host: LocalHost, t: Micros): Script {
  const net = w.net;
  let svc: RemoteService;
  let at = t;
  if (rnd.chance(0.45)) {
    // a hashed CDN name: new to the resolver every time
    svc = remote(addressIn(net.cdn.prefix16, rnd.int(0, 255), rnd.int(0, 253)), `${rnd.hex(14)}.${net.cdn.domain}`, net.cdn.port, 47);
    at = (yield* dnsLookup(rnd, net, host, at, { name: svc.domain, answers: [svc.ip], forward: true })) + rnd.int(300, 3_000);
  } else {
    svc = net.web[rnd.weighted(net.webCumulative)]!;
    if (rnd.chance(0.4)) at = (yield* dnsLookup(rnd, net, host, at, { name: svc.domain, answers: [svc.ip], forward: rnd.chance(0.35) })) + rnd.int(300, 3_000);
  }
  return yield* coarseSession(rnd, host, svc, svc.port, remoteRtt(rnd), webExchanges(rnd, svc, 1 + Math.floor(rnd.exponential(1.2)), 12_000), at);
}

function* smbSession(w: EnterpriseWorld, rnd: Random, host: LocalHost, t: Micros): Script {
  const ex: TcpExchange[] = [
    { fromClient: true, bytes: 180, kept: smb2Header(184) },
    { fromClient: false, bytes: 250, kept: smb2Header(254) },
  ];
  const files = rnd.int(1, 3);
  for (let i = 0; i < files; i++) {
    const size = Math.min(Math.round(rnd.logNormal(80_000, 1.3)), 60_000_000);
    const write = rnd.chance(0.25);
    ex.push({ fromClient: true, bytes: write ? size : 220, kept: smb2Header(write ? size : 220), pause: rnd.int(5_000, 2 * US_PER_S) });
    ex.push({ fromClient: false, bytes: write ? 90 : size, kept: smb2Header(write ? 90 : size) });
  }
  return yield* tcpSession(rnd, { client: host, server: w.net.fileServer, dport: 445, rtt: LAN_RTT, bps: rnd.logNormal(300e6, 0.4), exchanges: ex, segmentBytes: SEGMENT_BYTES }, t);
}

function* cloudSync(w: EnterpriseWorld, rnd: Random, host: LocalHost, t: Micros): Script {
  const cloud = rnd.pick(w.net.cloudSync);
  const svc = remote(addressIn(cloud.prefix16, rnd.int(0, 255), rnd.int(0, 253)), cloud.domain, cloud.port, 46);
  const at = (yield* dnsLookup(rnd, w.net, host, t, { name: cloud.domain, answers: [svc.ip], forward: rnd.chance(0.5) })) + rnd.int(300, 3_000);
  const up = Math.min(Math.round(rnd.logNormal(250_000, 1.4)), 40_000_000);
  return yield* coarseSession(rnd, host, svc, cloud.port, remoteRtt(rnd), tlsExchanges(rnd, cloud.domain, up, rnd.int(300, 2_000)), at);
}

function* avLookup(w: EnterpriseWorld, rnd: Random, host: LocalHost, t: Micros): Script {
  return yield* dnsLookup(rnd, w.net, host, t, { name: `${rnd.hex(32)}.${w.net.avZone}`, answers: ['127.0.0.2'], forward: true });
}

function* updateCheck(w: EnterpriseWorld, rnd: Random, host: LocalHost, t: Micros): Script {
  const net = w.net;
  const svc = remote(addressIn(net.cdn.prefix16, rnd.int(0, 255), rnd.int(0, 253)), net.updateDomain, 443, 47);
  const at = (yield* dnsLookup(rnd, net, host, t, { name: net.updateDomain, answers: [svc.ip], forward: rnd.chance(0.3) })) + rnd.int(300, 3_000);
  return yield* coarseSession(rnd, host, svc, 443, remoteRtt(rnd), tlsExchanges(rnd, net.updateDomain, rnd.int(400, 900), rnd.int(1_000, 6_000)), at);
}

function* intranetVisit(w: EnterpriseWorld, rnd: Random, host: LocalHost, t: Micros): Script {
  return yield* coarseSession(rnd, host, w.net.appServer, 443, LAN_RTT, tlsExchanges(rnd, `intranet.${w.net.corpZone}`, rnd.int(400, 1_400), Math.round(rnd.logNormal(30_000, 1))), t);
}

function* printJob(w: EnterpriseWorld, rnd: Random, host: LocalHost, printer: LocalHost, t: Micros): Script {
  return yield* tcpSession(rnd, {
    client: host, server: printer, dport: 9100, rtt: LAN_RTT, bps: 16e6, segmentBytes: SEGMENT_BYTES,
    exchanges: [{ fromClient: true, bytes: Math.round(rnd.logNormal(250_000, 1)), kept: PJL_HEADER }],
  }, t);
}

/** What a user's machine does when they sit down: directory login, and the browser's probe names. */
function* logon(w: EnterpriseWorld, rnd: Random, host: LocalHost, t: Micros): Script {
  const net = w.net;
  let at = yield* udpExchange(rnd, host, net.domainController, 88, rnd.int(1_200, 1_600), rnd.int(1_300, 1_700), t);
  at = yield* coarseSession(rnd, host, net.domainController, 389, LAN_RTT, [
    { fromClient: true, bytes: rnd.int(200, 600) }, { fromClient: false, bytes: rnd.int(1_000, 8_000) },
  ], at + rnd.int(1_000, 50_000));
  for (let i = 0; i < 3; i++) {
    at = yield* dnsLookup(rnd, net, host, at + rnd.int(10_000, 300_000), { name: probeName(rnd, net.corpZone), rcode: 3, forward: false });
  }
  return at;
}

function* udpExchange(rnd: Random, client: Endpoint, server: Endpoint, port: number, up: number, down: number, t: Micros): Script {
  const sport = ephemeralPort(client);
  yield udpDatagram(t, client, server, sport, port, new Uint8Array(Math.min(up, 96)));
  const at = t + LAN_RTT + rnd.int(0, 400);
  yield udpDatagram(at, server, client, port, sport, new Uint8Array(Math.min(down, 96)));
  return at;
}

function* ntpExchange(rnd: Random, host: LocalHost, server: Endpoint, t: Micros, rtt: Micros): Script {
  const sport = host.role === 'desktop' || host.role === 'laptop' ? ephemeralPort(host) : 123;
  yield udpDatagram(t, host, server, sport, 123, ntpPacket(false));
  yield udpDatagram(t + rtt, server, host, 123, sport, ntpPacket(true));
  return t + rtt;
}

/** A monitoring agent's metrics push: one small UDP datagram, no answer. */
function heartbeatDatagram(w: EnterpriseWorld, host: LocalHost, at: Micros, seq: number) {
  return udpDatagram(at, host, w.net.monitoringServer, 8125, 8125, TEXT.encode(`agent.alive:1|c|#seq:${seq}\nagent.load:${(seq * 7) % 100}|g`));
}

interface LongConnection {
  server: Endpoint;
  port: number;
  serverName: string;
  /** look the name up through the resolver first */
  lookup: boolean;
  period: Micros;
  jitter: Micros;
  /** bytes the client pushes each period, and the server's answer */
  push: [number, number];
  answer: number;
}

/**
 * One TLS connection held open while the machine is on the network (an agent's link to the
 * monitoring SaaS, a mail client's IMAP IDLE): a small record each way every `period`. The
 * connection simply vanishes when the machine leaves.
 */
function* longConnection(w: EnterpriseWorld, rnd: Random, host: LocalHost, iv: Interval, c: LongConnection): Script {
  const start = Math.round(iv.from * 1_000) + rnd.int(5, 60) * US_PER_S;
  const end = Math.round(iv.to * 1_000);
  let at = start;
  if (c.lookup) at = yield* dnsLookup(rnd, w.net, host, start, { name: c.serverName, answers: [c.server.ip], forward: rnd.chance(0.3) });
  const rtt = c.lookup ? remoteRtt(rnd) : LAN_RTT;
  const conn = new TcpConnection(host, c.server, ephemeralPort(host), c.port, rnd.int(0, 0x7fffffff), rnd.int(0, 0x7fffffff));
  yield conn.segment((at += 500), true, TCP.SYN);
  yield conn.segment((at += rtt), false, TCP.SYN | TCP.ACK);
  yield conn.segment((at += 60), true, TCP.ACK);
  yield conn.segment((at += 200), true, TCP.PSH | TCP.ACK, 517, tlsClientHello(c.serverName, rnd));
  const hello = rnd.int(2_800, 4_800);
  yield conn.segment((at += rtt), false, TCP.PSH | TCP.ACK, hello, tlsServerHello(hello));
  yield conn.segment((at += 300), true, TCP.PSH | TCP.ACK, 80, tlsRecordHeader(80));
  for (;;) {
    at += c.period + Math.round((rnd.next() * 2 - 1) * c.jitter);
    if (at >= end) return at;
    const len = rnd.int(c.push[0], c.push[1]);
    yield conn.segment(at, true, TCP.PSH | TCP.ACK, len, tlsRecordHeader(len));
    yield conn.segment(at + rtt, false, TCP.PSH | TCP.ACK, c.answer, tlsRecordHeader(c.answer));
  }
}

function* longConnections(w: EnterpriseWorld, rnd: Random, host: LocalHost, intervals: Interval[], c: LongConnection): Source {
  for (const iv of intervals) yield { at: Math.round(iv.from * 1_000), spawn: longConnection(w, rnd, host, iv, c) };
}

/** The background of one desktop or laptop. */
function* clientTraffic(w: EnterpriseWorld, host: LocalHost): Source {
  const { ctx, net } = w;
  const p = w.presence.get(host.ip)!;
  const rnd = ctx.random(`client:${host.ip}`);
  const sessions = rnd.fork('sessions');
  const scale = ctx.scale;
  const user = (ms: number): number => p.userActivity(ms);
  const on = (at: Micros): boolean => p.connected(millis(at));
  const period = Math.round(rnd.uniform(30, 60) * US_PER_S);
  const jitter = Math.round(rnd.uniform(0.5, 3) * US_PER_S);
  const printer = net.printers[Math.floor(rnd.next() * net.printers.length)]!;
  const streams: Source[] = [
    mapSpawn(arrivals(rnd.fork('web'), ctx.startAt, ctx.endAt, WEB_VISITS_PER_S * scale, user), (at) => webVisit(w, sessions, host, at)),
    mapSpawn(arrivals(rnd.fork('smb'), ctx.startAt, ctx.endAt, SMB_SESSIONS_PER_S * scale, user), (at) => smbSession(w, sessions, host, at)),
    mapSpawn(arrivals(rnd.fork('sync'), ctx.startAt, ctx.endAt, SYNC_UPLOADS_PER_S * scale, user), (at) => cloudSync(w, sessions, host, at)),
    mapSpawn(filterTimes(arrivals(rnd.fork('intranet'), ctx.startAt, ctx.endAt, INTRANET_PER_S * scale, user), (at) => !ctx.silent(net.appServer, at)),
      (at) => intranetVisit(w, sessions, host, at)),
    mapSpawn(arrivals(rnd.fork('print'), ctx.startAt, ctx.endAt, PRINT_JOBS_PER_S * scale, user), (at) => printJob(w, sessions, host, printer, at)),
    mapSpawn(arrivals(rnd.fork('av'), ctx.startAt, ctx.endAt, AV_BUSY_PER_S * scale, (ms) => (p.connected(ms) ? AV_IDLE_SHARE + (1 - AV_IDLE_SHARE) * p.userActivity(ms) : 0)),
      (at) => avLookup(w, sessions, host, at)),
    mapSpawn(filterTimes(periodic(rnd.fork('update'), ctx.startAt, ctx.endAt, 4 * 3_600 * US_PER_S, 20 * 60 * US_PER_S), on), (at) => updateCheck(w, sessions, host, at)),
    longConnections(w, sessions, host, p.days.flatMap((d) => (d.user ? [d.user] : [])), {
      server: net.mailServer, port: 993, serverName: `mail.${net.corpZone}`, lookup: false,
      period: Math.round(rnd.uniform(8, 14) * 60 * US_PER_S), jitter: 90 * US_PER_S, push: [60, 200], answer: 900,
    }),
    mapSpawn(filterTimes(periodic(rnd.fork('ntp'), ctx.startAt, ctx.endAt, 1_024 * US_PER_S, 2 * US_PER_S), on), (at) => ntpExchange(sessions, host, net.domainController, at, LAN_RTT)),
    mapSpawn(p.arrivals().map((ms) => Math.round(ms * 1_000) + rnd.int(30, 300) * US_PER_S).values(), (at) => logon(w, sessions, host, at)),
  ];
  if (host.role === 'laptop') {
    const saas = net.saasMonitor;
    streams.push(longConnections(w, sessions, host, p.intervals(), {
      server: saas, port: saas.port, serverName: saas.domain, lookup: true, period, jitter, push: [280, 420], answer: 45,
    }));
  } else {
    let seq = 0;
    streams.push(mapSpawn(filterTimes(periodic(rnd.fork('agent'), ctx.startAt, ctx.endAt, period, jitter), on), (at) => single(heartbeatDatagram(w, host, at, seq++))));
  }
  yield* merge(streams);
}

/** A server's own traffic: heartbeats, clock, and its role's chatter. */
function* serverTraffic(w: EnterpriseWorld, host: LocalHost): Source {
  const { ctx, net } = w;
  const rnd = ctx.random(`server:${host.ip}`);
  const sessions = rnd.fork('sessions');
  const live = (at: Micros): boolean => !ctx.silent(host, at);
  const period = Math.round(rnd.uniform(30, 60) * US_PER_S);
  let seq = 0;
  const streams: Source[] = [
    mapSpawn(filterTimes(periodic(rnd.fork('agent'), ctx.startAt, ctx.endAt, period, Math.round(US_PER_S)), live), (at) => single(heartbeatDatagram(w, host, at, seq++))),
  ];
  const ntpServer = host === net.domainController ? net.ntp : net.domainController;
  const ntpPeriod = host === net.domainController ? 256 : 1_024;
  streams.push(mapSpawn(filterTimes(periodic(rnd.fork('ntp'), ctx.startAt, ctx.endAt, ntpPeriod * US_PER_S, 2 * US_PER_S), live),
    (at) => ntpExchange(sessions, host, ntpServer, at, ntpServer === net.ntp ? remoteRtt(sessions) : LAN_RTT)));
  if (host === net.appServer) {
    let line = 0;
    streams.push(mapSpawn(filterTimes(periodic(rnd.fork('syslog'), ctx.startAt, ctx.endAt, 10 * US_PER_S, US_PER_S / 2), live),
      (at) => single(udpDatagram(at, host, net.monitoringServer, 514, 514, syslogLine('intranet01', `request batch ${line++} done in ${sessions.int(3, 400)} ms`)))));
  }
  if (host === net.monitoringServer) {
    streams.push(mapSpawn(periodic(rnd.fork('saas'), ctx.startAt, ctx.endAt, 60 * US_PER_S, 2 * US_PER_S),
      (at) => coarseSession(sessions, host, net.saasMonitor, 443, remoteRtt(sessions), tlsExchanges(sessions, net.saasMonitor.domain, sessions.int(20_000, 60_000), 200), at)));
    streams.push(mapSpawn(periodic(rnd.fork('checks'), ctx.startAt, ctx.endAt, 300 * US_PER_S, 5 * US_PER_S), (at) => serviceChecks(w, sessions, at)));
  }
  if (host === net.mailServer) {
    const office = (ms: number): number => 0.2 + 0.8 * officeHours(w.calendar, ms);
    streams.push(mapSpawn(arrivals(rnd.fork('smtp-in'), ctx.startAt, ctx.endAt, ctx.scale / 90, office), (at) => smtp(sessions, sessions.pick(net.mailExchangers), host, at, true)));
    streams.push(mapSpawn(arrivals(rnd.fork('smtp-out'), ctx.startAt, ctx.endAt, ctx.scale / 180, office), (at) => smtp(sessions, host, sessions.pick(net.mailExchangers), at, false)));
  }
  if (host === net.gateway) {
    streams.push(mapSpawn(periodic(rnd.fork('arp'), ctx.startAt, ctx.endAt, 60 * US_PER_S, 30 * US_PER_S), (at) => arpExchange(net.gateway, sessions.pick(net.servers), at)));
  }
  yield* merge(streams);
}

/** 0 … 1: the site's working hours on working days (local time). */
export function officeHours(calendar: SiteCalendar, ms: number): number {
  const i = calendar.dayIndex(ms);
  if (i < 0 || calendar.days[i]!.type !== 'weekday') return 0.05;
  const h = calendar.localHour(ms);
  return h >= 7.5 && h < 18.5 ? 1 : 0.05;
}

/** The monitoring server checks each server's HTTPS port; a silent server never answers. */
function* serviceChecks(w: EnterpriseWorld, rnd: Random, t: Micros): Script {
  let at = t;
  for (const server of w.net.servers) {
    if (server === w.net.monitoringServer) continue;
    at += rnd.int(50_000, 400_000);
    if (w.ctx.silent(server, at)) {
      const conn = new TcpConnection(w.net.monitoringServer, server, ephemeralPort(w.net.monitoringServer), 443, rnd.int(0, 0x7fffffff), 0);
      yield conn.segment(at, true, TCP.SYN);
      yield conn.segment((at += US_PER_S), true, TCP.SYN);
      continue;
    }
    at = yield* tcpSession(rnd, {
      client: w.net.monitoringServer, server, dport: 443, rtt: LAN_RTT, bps: 100e6, segmentBytes: SEGMENT_BYTES,
      exchanges: [{ fromClient: true, bytes: 120 }, { fromClient: false, bytes: rnd.int(300, 600) }],
    }, at);
  }
  return at;
}

function* smtp(rnd: Random, client: Endpoint, server: Endpoint, t: Micros, inbound: boolean): Script {
  const size = Math.min(Math.round(rnd.logNormal(35_000, 1.6)), 25_000_000);
  return yield* tcpSession(rnd, {
    client, server, dport: 25, rtt: remoteRtt(rnd), bps: rnd.logNormal(20e6, 0.5), segmentBytes: SEGMENT_BYTES,
    exchanges: [
      { fromClient: false, bytes: rnd.int(60, 120), kept: TEXT.encode(inbound ? '220 mail.corp.example ESMTP\r\n' : '220 mx.example ESMTP\r\n') },
      { fromClient: true, bytes: rnd.int(20, 40), kept: TEXT.encode('EHLO mail\r\n') },
      { fromClient: false, bytes: rnd.int(150, 260) },
      { fromClient: true, bytes: size },
      { fromClient: false, bytes: rnd.int(30, 60) },
    ],
  }, t);
}

/** Printers announce themselves; cameras keep an MQTT link to their vendor's cloud and upload clips. */
function* deviceTraffic(w: EnterpriseWorld, host: LocalHost): Source {
  const { ctx, net } = w;
  const rnd = ctx.random(`device:${host.ip}`);
  const sessions = rnd.fork('sessions');
  const period = Math.round(rnd.uniform(30, 60) * US_PER_S);
  let seq = 0;
  const streams: Source[] = [
    mapSpawn(periodic(rnd.fork('agent'), ctx.startAt, ctx.endAt, period, US_PER_S), (at) => single(heartbeatDatagram(w, host, at, seq++))),
  ];
  if (host.role === 'printer') {
    const group: Endpoint = { ip: '224.0.0.251', mac: '01:00:5e:00:00:fb', ttl: 255, ipId: 0, nextPort: 5353 };
    streams.push(mapSpawn(periodic(rnd.fork('mdns'), ctx.startAt, ctx.endAt, 120 * US_PER_S, 10 * US_PER_S), (at) => single(udpDatagram(at, host, group, 5353, 5353,
      dnsResponse({ id: 0, name: `${host.name.replace(' ', '-')}._ipp._tcp.local`, answers: [host.ip] })))));
  } else {
    streams.push(mapSpawn([ctx.startAt + rnd.int(1, 60) * US_PER_S].values(), (at) => mqttLink(w, sessions, host, at)));
    streams.push(mapSpawn(arrivals(rnd.fork('clips'), ctx.startAt, ctx.endAt, 1 / 5_400, (ms) => 0.3 + 0.7 * officeHours(w.calendar, ms)),
      (at) => coarseSession(sessions, host, net.iotCloud, 8883, remoteRtt(sessions), tlsExchanges(sessions, net.iotCloud.domain, Math.round(sessions.logNormal(1.5e6, 0.6)), 200), at)));
  }
  yield* merge(streams);
}

/** One long MQTT-over-TLS connection: a publish about every minute, acknowledged. */
function* mqttLink(w: EnterpriseWorld, rnd: Random, host: LocalHost, t: Micros): Script {
  const svc = w.net.iotCloud;
  const rtt = remoteRtt(rnd);
  const conn = new TcpConnection(host, svc, ephemeralPort(host), svc.port, rnd.int(0, 0x7fffffff), rnd.int(0, 0x7fffffff));
  let at = t;
  yield conn.segment(at, true, TCP.SYN);
  yield conn.segment((at += rtt), false, TCP.SYN | TCP.ACK);
  yield conn.segment((at += 60), true, TCP.ACK);
  yield conn.segment((at += 200), true, TCP.PSH | TCP.ACK, 517, tlsClientHello(svc.domain, rnd));
  yield conn.segment((at += rtt), false, TCP.PSH | TCP.ACK, 3_100, tlsServerHello(3_100));
  for (;;) {
    at += Math.round(rnd.uniform(55, 65) * US_PER_S);
    if (at >= w.ctx.endAt) return at;
    yield conn.segment(at, true, TCP.PSH | TCP.ACK, rnd.int(90, 160), tlsRecordHeader(120));
    yield conn.segment(at + rtt, false, TCP.PSH | TCP.ACK, 29, tlsRecordHeader(29));
  }
}

/** Every background source of the enterprise, one per host. */
export function enterpriseSources(w: EnterpriseWorld): Source[] {
  const out: Source[] = [];
  for (const h of w.net.hosts) {
    if (h.role === 'desktop' || h.role === 'laptop') out.push(clientTraffic(w, h));
    else if (h.role === 'printer' || h.role === 'iot') out.push(deviceTraffic(w, h));
    else out.push(serverTraffic(w, h));
  }
  return out;
}
