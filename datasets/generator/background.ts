// The everyday traffic of the office: browsing, file sharing, printing, time sync, the application
// server's regular chatter, the administrator's SSH sessions, discovery and ARP.
import { arpFrame, dnsResponse, TCP } from '../craft.ts';
import { type TrafficContext, US_PER_S, millis } from './context.ts';
import { ephemeralPort, TcpConnection, udpDatagram } from './conversation.ts';
import type { Endpoint, LocalHost, RemoteService } from './network.ts';
import {
  httpRequest, httpResponseHeader, ntpPacket, PJL_HEADER, smb2Header, SSH_BANNER, syslogLine,
  tlsClientHello, tlsRecordHeader, tlsServerHello,
} from './payloads.ts';
import { officeActivity, userActivity, type WorkHabits } from './profile.ts';
import type { Random } from './random.ts';
import type { Emission, Micros, TrafficScript } from './schedule.ts';
import { dnsLookup, LAN_RTT, type Script, type TcpExchange, tcpSession } from './sessions.ts';

export type Source = Generator<Emission, void, undefined>;

/** Busiest-moment start rates per workstation, per second, at scale 1. */
const WEB_VISITS_PER_S = 1 / 70;
const SMB_SESSIONS_PER_S = 1 / 900;
const PRINT_JOBS_PER_S = 4 / 3600;
const SSH_SESSIONS_PER_S = 0.5 / 3600;

/**
 * Start times of a Poisson process whose rate follows `activity` (0 … 1) times `peakPerS`,
 * drawn by thinning: exact for any shape of the activity curve.
 */
export function* arrivals(rnd: Random, from: Micros, to: Micros, peakPerS: number, activity: (ms: number) => number): Generator<Micros> {
  if (!(peakPerS > 0)) return;
  const meanGap = US_PER_S / peakPerS;
  let at = from;
  for (;;) {
    at += Math.max(1, Math.round(rnd.exponential(meanGap)));
    if (at >= to) return;
    if (rnd.next() < activity(millis(at))) yield at;
  }
}

/** Times `period` ± `jitter` apart (µs), starting at a random phase. */
export function* periodic(rnd: Random, from: Micros, to: Micros, period: Micros, jitter: Micros): Generator<Micros> {
  let at = from + Math.round(rnd.next() * period);
  while (at < to) {
    yield at;
    at += period + Math.round((rnd.next() * 2 - 1) * jitter);
  }
}

export function remoteRtt(rnd: Random): Micros {
  return rnd.int(12_000, 70_000);
}

/** A TLS or plain-HTTP session to a web service: handshake, then `requests` request/response pairs. */
export function webExchanges(rnd: Random, svc: RemoteService, requests: number, responseMedian: number): TcpExchange[] {
  const ex: TcpExchange[] = [];
  const tls = svc.port !== 80;
  if (tls) {
    ex.push({ fromClient: true, bytes: 517, kept: tlsClientHello(svc.domain, rnd) });
    const hello = rnd.int(2_800, 5_600);
    ex.push({ fromClient: false, bytes: hello, kept: tlsServerHello(hello) });
    ex.push({ fromClient: true, bytes: 80, kept: tlsRecordHeader(80) });
  }
  for (let i = 0; i < requests; i++) {
    const req = rnd.int(300, 1_400);
    const res = Math.min(Math.round(rnd.logNormal(responseMedian, 1.3)) + 200, 12_000_000);
    const pause = i === 0 ? undefined : Math.round(rnd.exponential(3 * US_PER_S));
    ex.push({ fromClient: true, bytes: req, kept: tls ? tlsRecordHeader(req) : httpRequest(svc.domain, `/p/${rnd.int(1, 9999)}`), pause });
    ex.push({ fromClient: false, bytes: res, kept: tls ? tlsRecordHeader(res) : httpResponseHeader(res) });
  }
  return ex;
}

function* webVisit(ctx: TrafficContext, rnd: Random, ws: LocalHost, t: Micros): Script {
  const net = ctx.net;
  const svc = net.web[rnd.weighted(net.webCumulative)]!;
  let at = t;
  if (rnd.chance(0.4)) {
    at = (yield* dnsLookup(rnd, net, ws, at, { name: svc.domain, answers: [svc.ip], forward: rnd.chance(0.35) })) + rnd.int(300, 3_000);
  }
  const requests = 1 + Math.floor(rnd.exponential(1.2));
  return yield* tcpSession(rnd, {
    client: ws, server: svc, dport: svc.port, rtt: remoteRtt(rnd), bps: rnd.logNormal(25e6, 0.6),
    exchanges: webExchanges(rnd, svc, requests, 9_000),
  }, at);
}

function* smbSession(ctx: TrafficContext, rnd: Random, ws: LocalHost, t: Micros): Script {
  const ex: TcpExchange[] = [
    { fromClient: true, bytes: 180, kept: smb2Header(184) },
    { fromClient: false, bytes: 250, kept: smb2Header(254) },
    { fromClient: true, bytes: 400, kept: smb2Header(404) },
    { fromClient: false, bytes: 300, kept: smb2Header(304) },
  ];
  const files = rnd.int(1, 4);
  for (let i = 0; i < files; i++) {
    const size = Math.min(Math.round(rnd.logNormal(50_000, 1.2)), 40_000_000);
    const write = rnd.chance(0.2);
    ex.push({ fromClient: true, bytes: write ? size : 220, kept: smb2Header(write ? size : 220), pause: rnd.int(5_000, 2 * US_PER_S) });
    ex.push({ fromClient: false, bytes: write ? 90 : size, kept: smb2Header(write ? 90 : size) });
  }
  return yield* tcpSession(rnd, {
    client: ws, server: ctx.net.fileServer, dport: 445, rtt: LAN_RTT, bps: rnd.logNormal(250e6, 0.4), exchanges: ex,
  }, t);
}

function* printJob(ctx: TrafficContext, rnd: Random, ws: LocalHost, t: Micros): Script {
  const size = Math.round(rnd.logNormal(250_000, 1));
  return yield* tcpSession(rnd, {
    client: ws, server: ctx.net.printer, dport: 9100, rtt: LAN_RTT, bps: 16e6,
    exchanges: [{ fromClient: true, bytes: size, kept: PJL_HEADER }],
  }, t);
}

/** An interactive SSH session: key exchange, then keystrokes echoed and now and then a screenful. */
function* sshSession(rnd: Random, client: Endpoint, server: Endpoint, rtt: Micros, t: Micros, length: Micros): Script {
  const conn = new TcpConnection(client, server, ephemeralPort(client), 22, rnd.int(0, 0x7fffffff), rnd.int(0, 0x7fffffff));
  yield conn.segment(t, true, TCP.SYN);
  let at = t + rtt;
  yield conn.segment(at, false, TCP.SYN | TCP.ACK);
  yield conn.segment((at += 60), true, TCP.ACK);
  yield conn.segment((at += 2_000), false, TCP.PSH | TCP.ACK, SSH_BANNER.length, SSH_BANNER);
  yield conn.segment((at += 500), true, TCP.PSH | TCP.ACK, SSH_BANNER.length, SSH_BANNER);
  yield conn.segment((at += rtt), true, TCP.PSH | TCP.ACK, 1_500);
  yield conn.segment((at += rtt), false, TCP.PSH | TCP.ACK, 1_100);
  const end = t + length;
  while (at < end) {
    at += Math.round(rnd.exponential(1.5 * US_PER_S)) + 1;
    yield conn.segment(at, true, TCP.PSH | TCP.ACK, 36);
    at += rtt;
    const screenful = rnd.chance(0.05);
    yield conn.segment(at, false, TCP.PSH | TCP.ACK, screenful ? rnd.int(1_000, 1_400) : 36);
    yield conn.segment((at += 40), true, TCP.ACK);
  }
  yield conn.segment((at += 1_000), true, TCP.FIN | TCP.ACK);
  yield conn.segment((at += rtt), false, TCP.FIN | TCP.ACK);
  yield conn.segment((at += 50), true, TCP.ACK);
  return at;
}

function* ntpExchange(ctx: TrafficContext, rnd: Random, host: LocalHost, t: Micros): Script {
  const sport = host.role === 'workstation' ? ephemeralPort(host) : 123;
  yield udpDatagram(t, host, ctx.net.ntp, sport, 123, ntpPacket(false));
  const at = t + remoteRtt(rnd);
  yield udpDatagram(at, ctx.net.ntp, host, 123, sport, ntpPacket(true));
  return at;
}

function* workstationTraffic(ctx: TrafficContext, ws: LocalHost): Source {
  const rnd = ctx.random(`workstation:${ws.ip}`);
  const habits: WorkHabits = { arrive: rnd.uniform(7.5, 9.5), leave: rnd.uniform(16.5, 18.5), intensity: rnd.uniform(0.6, 1.4) };
  const activity = (ms: number): number => userActivity(ms, habits);
  const web = arrivals(rnd.fork('web'), ctx.startAt, ctx.endAt, WEB_VISITS_PER_S * habits.intensity * ctx.scale, activity);
  const smb = arrivals(rnd.fork('smb'), ctx.startAt, ctx.endAt, SMB_SESSIONS_PER_S * habits.intensity * ctx.scale, activity);
  const sessions = rnd.fork('sessions');
  yield* merge([
    mapSpawn(web, (at) => webVisit(ctx, sessions, ws, at)),
    mapSpawn(smb, (at) => smbSession(ctx, sessions, ws, at)),
  ]);
}

/** Spawn emissions from start times. */
export function* mapSpawn(times: Iterator<Micros>, make: (at: Micros) => TrafficScript): Source {
  for (let r = times.next(); !r.done; r = times.next()) yield { at: r.value, spawn: make(r.value) };
}

/** Several time-ordered sources as one. */
export function* merge(sources: Source[]): Source {
  const heads = sources.map((s) => s.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (!h.done && (best < 0 || h.value.at < (heads[best]!.value as Emission).at)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!.value as Emission;
    heads[best] = sources[best]!.next();
  }
}

function* officeServices(ctx: TrafficContext): Source {
  const net = ctx.net;
  const rnd = ctx.random('office');
  const sessions = rnd.fork('sessions');
  const admin = net.workstations[0]!;
  const printing = arrivals(rnd.fork('print'), ctx.startAt, ctx.endAt, PRINT_JOBS_PER_S * ctx.scale, officeActivity);
  const ssh = arrivals(rnd.fork('ssh'), ctx.startAt, ctx.endAt, SSH_SESSIONS_PER_S * ctx.scale, officeActivity);
  const mdns = periodic(rnd.fork('mdns'), ctx.startAt, ctx.endAt, 120 * US_PER_S, 10 * US_PER_S);
  const arp = periodic(rnd.fork('arp'), ctx.startAt, ctx.endAt, 120 * US_PER_S, 60 * US_PER_S);
  const mdnsGroup: Endpoint = { ip: '224.0.0.251', mac: '01:00:5e:00:00:fb', ttl: 255, ipId: 0, nextPort: 5353 };
  yield* merge([
    mapSpawn(printing, (at) => printJob(ctx, sessions, sessions.pick(net.workstations), at)),
    mapSpawn(ssh, (at) => {
      const inside = sessions.chance(0.7);
      return sshSession(sessions, admin, inside ? net.appServer : net.remoteShell, inside ? LAN_RTT : remoteRtt(sessions), at,
        Math.round(sessions.uniform(4, 40) * 60 * US_PER_S));
    }),
    mapSpawn(mdns, (at) => single(udpDatagram(at, net.printer, mdnsGroup, 5353, 5353,
      dnsResponse({ id: 0, name: 'office-printer._ipp._tcp.local', answers: [net.printer.ip] })))),
    mapSpawn(arp, (at) => arpExchange(net.gateway, sessions.pick(net.hosts.slice(1)), at)),
  ]);
}

export function* single(e: Emission): Script {
  yield e;
  return e.at;
}

export function* arpExchange(asker: LocalHost, target: LocalHost, t: Micros): Script {
  const request = arpFrame({ op: 1, senderMac: asker.mac, senderIp: asker.ip, targetMac: '00:00:00:00:00:00', targetIp: target.ip });
  yield { at: t, frame: request, wireLen: request.length };
  const reply = arpFrame({ op: 2, senderMac: target.mac, senderIp: target.ip, targetMac: asker.mac, targetIp: asker.ip });
  yield { at: t + 200, frame: reply, wireLen: reply.length };
  return t + 200;
}

/** Every host keeps its clock in step; the application server more often than the rest. */
function* timeSync(ctx: TrafficContext, host: LocalHost): Source {
  const rnd = ctx.random(`ntp:${host.ip}`);
  const period = host === ctx.net.appServer ? 64 : 1_024;
  for (const at of periodic(rnd, ctx.startAt, ctx.endAt, period * US_PER_S, 2 * US_PER_S)) {
    if (!ctx.silent(host, at)) yield { at, spawn: ntpExchange(ctx, rnd, host, at) };
  }
}

/** The application server's regular pattern: syslog every 10 s, a monitoring check-in every 5 minutes. */
function* appServerChatter(ctx: TrafficContext): Source {
  const net = ctx.net;
  const app = net.appServer;
  const rnd = ctx.random('app-server');
  const sessions = rnd.fork('sessions');
  const syslog = periodic(rnd.fork('syslog'), ctx.startAt, ctx.endAt, 10 * US_PER_S, US_PER_S / 2);
  const checkin = periodic(rnd.fork('checkin'), ctx.startAt, ctx.endAt, 300 * US_PER_S, US_PER_S);
  let line = 0;
  const live = (times: Generator<Micros>): Generator<Micros> => filterTimes(times, (at) => !ctx.silent(app, at));
  yield* merge([
    mapSpawn(live(syslog), (at) => single(udpDatagram(at, app, net.backupServer, 514, 514,
      syslogLine('app01', `request batch ${line++} done in ${sessions.int(3, 400)} ms`)))),
    mapSpawn(live(checkin), (at) => tcpSession(sessions, {
      client: app, server: net.monitoring, dport: 443, rtt: remoteRtt(sessions), bps: 20e6,
      exchanges: webExchanges(sessions, net.monitoring, 1, 600),
    }, at)),
  ]);
}

function* filterTimes(times: Generator<Micros>, keep: (at: Micros) => boolean): Generator<Micros> {
  for (const at of times) if (keep(at)) yield at;
}

/** Every background source of the office, each with its own random stream. */
export function backgroundSources(ctx: TrafficContext): Source[] {
  const sources: Source[] = [officeServices(ctx), appServerChatter(ctx)];
  for (const ws of ctx.net.workstations) sources.push(workstationTraffic(ctx, ws));
  for (const host of ctx.net.hosts) if (host.role !== 'gateway') sources.push(timeSync(ctx, host));
  return sources;
}
