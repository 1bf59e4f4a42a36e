// Frames of one conversation between two endpoints: TCP with real sequence numbers, or UDP.
// Payloads are captured only as far as the given prefix; the IPv4 total length (and so the wire
// length) still tells the full size, as in a capture cut by its snap length.
import { TCP, tcpFrame, udpFrame } from '../craft.ts';
import type { Endpoint } from './network.ts';
import type { Micros, PacketEmission } from './schedule.ts';

const ETH_IP_TCP = 14 + 20 + 20;
const NO_PAYLOAD = new Uint8Array(0);
export const MSS = 1460;

/** Sets the IPv4 total length and header checksum for a payload longer than the bytes kept. */
function claimWireLength(frame: Uint8Array, ipLength: number): void {
  frame[16] = ipLength >> 8;
  frame[17] = ipLength & 0xff;
  frame[24] = 0;
  frame[25] = 0;
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += (frame[i]! << 8) | frame[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  frame[24] = c >> 8;
  frame[25] = c & 0xff;
}

function nextIpId(e: Endpoint): number {
  const id = e.ipId;
  e.ipId = (id + 1) & 0xffff;
  return id;
}

/** An ephemeral port for a new client connection. */
export function ephemeralPort(e: Endpoint): number {
  const p = e.nextPort;
  e.nextPort = p >= 65000 ? 49152 : p + 1;
  return p;
}

export class TcpConnection {
  private clientSeq: number;
  private serverSeq: number;

  constructor(
    readonly client: Endpoint,
    readonly server: Endpoint,
    readonly sport: number,
    readonly dport: number,
    clientIsn: number,
    serverIsn: number,
  ) {
    this.clientSeq = clientIsn >>> 0;
    this.serverSeq = serverIsn >>> 0;
  }

  /**
   * One segment. `length` is the payload length on the wire; `kept` the payload bytes captured
   * (cut to `length`). SYN and FIN take one sequence number each, as in TCP.
   */
  segment(at: Micros, fromClient: boolean, flags: number, length = 0, kept?: Uint8Array): PacketEmission {
    const from = fromClient ? this.client : this.server;
    const to = fromClient ? this.server : this.client;
    const seq = fromClient ? this.clientSeq : this.serverSeq;
    const ack = flags & TCP.ACK ? (fromClient ? this.serverSeq : this.clientSeq) : 0;
    const payload = kept === undefined ? NO_PAYLOAD : kept.length > length ? kept.subarray(0, length) : kept;
    const frame = tcpFrame({
      src: from.ip, dst: to.ip, srcMac: from.mac, dstMac: to.mac, ttl: from.ttl, ipId: nextIpId(from),
      sport: fromClient ? this.sport : this.dport, dport: fromClient ? this.dport : this.sport,
      flags, seq, ack, payload,
    });
    if (length > payload.length) claimWireLength(frame, 40 + length);
    const advance = length + (flags & TCP.SYN ? 1 : 0) + (flags & TCP.FIN ? 1 : 0);
    if (fromClient) this.clientSeq = (seq + advance) >>> 0;
    else this.serverSeq = (seq + advance) >>> 0;
    return { at, frame, wireLen: ETH_IP_TCP + length };
  }
}

/** One UDP datagram carrying `payload` whole. */
export function udpDatagram(
  at: Micros, from: Endpoint, to: Endpoint, sport: number, dport: number, payload: Uint8Array,
): PacketEmission {
  const frame = udpFrame({
    src: from.ip, dst: to.ip, srcMac: from.mac, dstMac: to.mac, ttl: from.ttl, ipId: nextIpId(from),
    sport, dport, payload,
  });
  return { at, frame, wireLen: frame.length };
}
