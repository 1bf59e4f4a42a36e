// Port scans as a SYN scanner sends them: probes paced a few tens of milliseconds apart, open ports
// answering SYN-ACK (and reset by the scanner), closed ones RST, filtered ones silent and probed
// once more a second later.
import { TCP } from '../craft.ts';
import { TcpConnection } from './conversation.ts';
import type { Endpoint } from './network.ts';
import type { Random } from './random.ts';
import type { Emission, Micros, PacketEmission } from './schedule.ts';
import { LAN_RTT, type Script } from './sessions.ts';

export type ProbeAnswer = 'open' | 'closed' | 'filtered';

export interface Probe {
  target: Endpoint;
  port: number;
  answer: ProbeAnswer;
}

const RETRY_AFTER = 1_000_000;

/** Sends every probe `gap` µs (± 30 %) apart from one source port; returns the last packet time. */
export function* synScan(rnd: Random, scanner: Endpoint, probes: Probe[], t: Micros, gap: Micros): Script {
  const sport = rnd.int(40_000, 60_000);
  const events: PacketEmission[] = [];
  let at = t;
  for (const p of probes) {
    const conn = new TcpConnection(scanner, p.target, sport, p.port, rnd.int(0, 0x7fffffff), rnd.int(0, 0x7fffffff));
    events.push(conn.segment(at, true, TCP.SYN));
    const back = at + LAN_RTT + rnd.int(0, 200);
    if (p.answer === 'open') {
      events.push(conn.segment(back, false, TCP.SYN | TCP.ACK));
      events.push(conn.segment(back + 30, true, TCP.RST));
    } else if (p.answer === 'closed') {
      events.push(conn.segment(back, false, TCP.RST | TCP.ACK));
    } else {
      const retry = new TcpConnection(scanner, p.target, sport, p.port, rnd.int(0, 0x7fffffff), 0);
      events.push(retry.segment(at + RETRY_AFTER + rnd.int(0, 50_000), true, TCP.SYN));
    }
    at += Math.max(1, Math.round(gap * rnd.uniform(0.7, 1.3)));
  }
  events.sort((a, b) => a.at - b.at);
  for (const e of events) yield e as Emission;
  return events[events.length - 1]!.at;
}

/** Fisher–Yates: scanners randomise their order. */
export function shuffled<T>(rnd: Random, items: T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
