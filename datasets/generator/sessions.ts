// Traffic scripts for single conversations: DNS lookups through the office resolver, TCP sessions
// (handshake, request/response exchanges, close) and bulk transfers paced at a given rate.
import { dnsQuery, dnsResponse, TCP } from '../craft.ts';
import { ephemeralPort, MSS, TcpConnection, udpDatagram } from './conversation.ts';
import type { Endpoint, OfficeNetwork } from './network.ts';
import type { Random } from './random.ts';
import type { Emission, Micros } from './schedule.ts';

export type Script = Generator<Emission, Micros, undefined>;

/** Round-trip times as seen from the SPAN port (µs). */
export const LAN_RTT = 300;

export interface DnsLookup {
  name: string;
  qtype?: number;
  answers?: string[];
  rcode?: number;
  /** the resolver asks upstream (a cache miss) */
  forward: boolean;
}

/** A lookup through the office resolver; returns when the answer reaches the client. */
export function* dnsLookup(rnd: Random, net: OfficeNetwork, client: Endpoint, t: Micros, q: DnsLookup): Script {
  const id = rnd.int(0, 0xffff);
  const sport = ephemeralPort(client);
  const query = dnsQuery({ id, name: q.name, qtype: q.qtype });
  yield udpDatagram(t, client, net.resolver, sport, 53, query);
  let at = t + 150 + rnd.int(0, 200);
  if (q.forward) {
    const upId = rnd.int(0, 0xffff);
    const upPort = ephemeralPort(net.resolver);
    yield udpDatagram(at, net.resolver, net.upstreamDns, upPort, 53, dnsQuery({ id: upId, name: q.name, qtype: q.qtype }));
    at += rnd.int(12_000, 45_000);
    yield udpDatagram(at, net.upstreamDns, net.resolver, 53, upPort,
      dnsResponse({ id: upId, name: q.name, qtype: q.qtype, rcode: q.rcode, answers: q.answers }));
    at += 100 + rnd.int(0, 200);
  }
  yield udpDatagram(at, net.resolver, client, 53, sport, dnsResponse({ id, name: q.name, qtype: q.qtype, rcode: q.rcode, answers: q.answers }));
  return at;
}

export interface TcpExchange {
  fromClient: boolean;
  /** payload bytes on the wire */
  bytes: number;
  /** the captured start of the payload */
  kept?: Uint8Array;
  /** pause before this exchange starts (µs) */
  pause?: number;
}

export interface TcpSessionPlan {
  client: Endpoint;
  server: Endpoint;
  dport: number;
  sport?: number;
  rtt: Micros;
  /** pacing of bulk data, bits per second */
  bps: number;
  exchanges: TcpExchange[];
  /** how the session ends: FIN handshake, a reset from the client, or not at all (cut off) */
  close?: 'fin' | 'rst' | 'none';
  /**
   * payload bytes per data segment (default one MSS); larger values stand for the segments a
   * capture on a host with segmentation offload sees, and keep bulk transfers to few packets
   */
  segmentBytes?: number;
}

/** A whole TCP session; returns the time of its last packet. */
export function* tcpSession(rnd: Random, plan: TcpSessionPlan, t: Micros): Script {
  const sport = plan.sport ?? ephemeralPort(plan.client);
  const conn = new TcpConnection(plan.client, plan.server, sport, plan.dport, rnd.int(0, 0x7fffffff), rnd.int(0, 0x7fffffff));
  yield conn.segment(t, true, TCP.SYN);
  let at = t + plan.rtt;
  yield conn.segment(at, false, TCP.SYN | TCP.ACK);
  at += 40 + rnd.int(0, 60);
  yield conn.segment(at, true, TCP.ACK);
  for (const ex of plan.exchanges) {
    at += ex.pause ?? Math.round(plan.rtt / 2) + rnd.int(50, 3_000);
    at = yield* transfer(rnd, conn, at, ex.fromClient, ex.bytes, plan.bps, plan.rtt, ex.kept, plan.segmentBytes);
  }
  const close = plan.close ?? 'fin';
  if (close === 'none') return at;
  at += rnd.int(1_000, 200_000);
  if (close === 'rst') {
    yield conn.segment(at, true, TCP.RST | TCP.ACK);
    return at;
  }
  yield conn.segment(at, true, TCP.FIN | TCP.ACK);
  at += plan.rtt;
  yield conn.segment(at, false, TCP.FIN | TCP.ACK);
  at += 40 + rnd.int(0, 60);
  yield conn.segment(at, true, TCP.ACK);
  return at;
}

/** The largest TCP payload an IPv4 packet can carry (total length 65,535). */
export const MAX_SEGMENT_BYTES = 65_495;

/**
 * `bytes` from one side in segments of `segmentBytes` (one MSS unless given) paced at `bps`, the
 * receiver acknowledging every second segment and the last; returns the time of the last packet.
 */
export function* transfer(
  rnd: Random, conn: TcpConnection, t: Micros, fromClient: boolean, bytes: number, bps: number, rtt: Micros, kept?: Uint8Array,
  segmentBytes = MSS,
): Script {
  if (!(segmentBytes >= 1 && segmentBytes <= MAX_SEGMENT_BYTES)) throw new Error(`segment size ${segmentBytes} is outside 1 … ${MAX_SEGMENT_BYTES} bytes`);
  const segment = Math.floor(segmentBytes);
  const gap = (segment * 8 * 1e6) / bps;
  let at = t;
  let left = bytes;
  let unacked = 0;
  let first = true;
  while (left > 0) {
    const len = Math.min(left, segment);
    left -= len;
    yield conn.segment(at, fromClient, left === 0 ? TCP.PSH | TCP.ACK : TCP.ACK, len, first ? kept : undefined);
    first = false;
    unacked++;
    const next = Math.max(1, Math.round(gap * (0.7 + 0.6 * rnd.next())));
    if (unacked === 2 || left === 0) {
      unacked = 0;
      at += Math.max(1, Math.min(Math.round(next / 2), rtt));
      yield conn.segment(at, !fromClient, TCP.ACK);
      if (left > 0) at += Math.max(1, next - Math.min(Math.round(next / 2), rtt));
    } else {
      at += next;
    }
  }
  return at;
}
