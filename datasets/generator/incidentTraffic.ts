// Traffic scripts of the injected incidents (and of the look-alike that is not one).
import { type TrafficContext, US_PER_S } from './context.ts';
import { TCP } from '../craft.ts';
import { ephemeralPort, TcpConnection, udpDatagram } from './conversation.ts';
import type { LocalHost, RemoteService } from './network.ts';
import { ntpPacket, syslogLine, tlsRecordHeader } from './payloads.ts';
import type { Random } from './random.ts';
import type { Emission, Micros } from './schedule.ts';
import { arpExchange, remoteRtt, webExchanges } from './background.ts';
import { dnsLookup, type Script, tcpSession } from './sessions.ts';

type Source = Generator<Emission, void, undefined>;

/** A TLS session moving `up` bytes out and `down` bytes in over about `seconds`. */
export function* bulkTls(
  rnd: Random, host: LocalHost, remote: RemoteService, t: Micros, up: number, down: number, seconds: number,
): Script {
  const exchanges = webExchanges(rnd, remote, 1, 500);
  const bps = ((up + down) * 8) / seconds;
  if (up > 0) exchanges.push({ fromClient: true, bytes: up, kept: tlsRecordHeader(16_384) });
  exchanges.push({ fromClient: false, bytes: Math.max(down, 300), kept: tlsRecordHeader(16_384) });
  return yield* tcpSession(rnd, { client: host, server: remote, dport: remote.port, rtt: remoteRtt(rnd), bps, exchanges }, t);
}

/** A lookup of `remote.domain`, then a bulk TLS session to it. */
export function* resolveThenBulk(
  ctx: TrafficContext, rnd: Random, host: LocalHost, remote: RemoteService, t: Micros, up: number, down: number, seconds: number,
): Script {
  const at = yield* dnsLookup(rnd, ctx.net, host, t, { name: remote.domain, answers: [remote.ip], forward: true });
  return yield* bulkTls(rnd, host, remote, at + rnd.int(500, 5_000), up, down, seconds);
}

/** A client retrying a refused service in a tight loop: SYN, RST, again. */
export function* resetStorm(rnd: Random, host: LocalHost, remote: RemoteService, t: Micros, seconds: number, gap: Micros): Script {
  const end = t + seconds * US_PER_S;
  let at = t;
  const rtt = remoteRtt(rnd);
  while (at < end) {
    const conn = new TcpConnection(host, remote, ephemeralPort(host), remote.port, rnd.int(0, 0x7fffffff), 0);
    yield conn.segment(at, true, TCP.SYN);
    yield conn.segment(at + rtt, false, TCP.RST | TCP.ACK);
    at += rtt + Math.round(gap * rnd.uniform(0.5, 1.5));
  }
  return at;
}

/** Queries spawned `gap` apart (± half), each a lookup through the resolver with `name()`. */
export function* queryStream(
  ctx: TrafficContext, rnd: Random, host: LocalHost, t: Micros, seconds: number, gap: Micros,
  query: () => { name: string; qtype?: number; rcode?: number },
): Source {
  const end = t + seconds * US_PER_S;
  for (let at = t; at < end; at += Math.round(gap * rnd.uniform(0.5, 1.5))) {
    const q = query();
    yield { at, spawn: dnsLookup(rnd, ctx.net, host, at, { ...q, forward: true }) };
  }
}

/** A dnscat2-like name: hex payload split into labels of at most 63 characters under `domain`. */
export function tunnelName(rnd: Random, domain: string): string {
  const hex = rnd.hex(2 * rnd.int(40, 95));
  const labels: string[] = [];
  for (let i = 0; i < hex.length; i += 63) labels.push(hex.slice(i, i + 63));
  return `${labels.join('.')}.${domain}`;
}

/** Beacons `period` ± `jitter` apart (never before `t`): each a short TLS check-in; the first one resolves the name. */
export function* beacons(
  ctx: TrafficContext, rnd: Random, host: LocalHost, remote: RemoteService, t: Micros, count: number, period: Micros, jitter: Micros,
): Source {
  for (let i = 0; i < count; i++) {
    const at = t + i * period + Math.round(rnd.next() * 2 * jitter);
    const session = tcpSession(rnd, {
      client: host, server: remote, dport: remote.port, rtt: remoteRtt(rnd), bps: 5e6,
      exchanges: webExchanges(rnd, remote, 1, 180),
    }, i === 0 ? at + 60_000 : at);
    yield { at, spawn: i === 0 ? lookupThen(ctx, rnd, host, remote, at, session) : session };
  }
}

function* lookupThen(ctx: TrafficContext, rnd: Random, host: LocalHost, remote: RemoteService, t: Micros, then: Script): Script {
  yield* dnsLookup(rnd, ctx.net, host, t, { name: remote.domain, answers: [remote.ip], forward: true });
  return yield* then;
}

/** A host coming back after a reboot: it announces itself, syncs its clock and logs its start. */
export function* hostReturns(ctx: TrafficContext, rnd: Random, host: LocalHost, t: Micros): Script {
  yield* arpExchange(host, ctx.net.gateway, t);
  let at = t + 2 * US_PER_S;
  for (let i = 0; i < 4; i++) {
    yield udpDatagram(at, host, ctx.net.ntp, 123, 123, ntpPacket(false));
    yield udpDatagram(at + remoteRtt(rnd), ctx.net.ntp, host, 123, 123, ntpPacket(true));
    at += 2 * US_PER_S;
  }
  yield udpDatagram(at, host, ctx.net.backupServer, 514, 514, syslogLine('app01', 'service started after unexpected restart'));
  return at;
}
