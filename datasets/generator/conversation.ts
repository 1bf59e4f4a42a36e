// Frames of one conversation between two endpoints: TCP with real sequence numbers, or UDP.
// Payloads are captured only as far as the given prefix; the IPv4 total length (and so the wire
// length) still tells the full size, as in a capture cut by its snap length.
import { TCP, tcpFrame, udpFrame } from '../craft.ts';
import type { Endpoint } from './network.ts';
import type { Micros, PacketEmission } from './schedule.ts';

const ETH_IP_TCP = 14 + 20 + 20;
const NO_PAYLOAD = new Uint8Array(0);
export const MSS = 1460;

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

/**
 * The fixed bytes of one direction of a connection (Ethernet, IPv4 and TCP headers as the frame
 * builder makes them) and the parts of the checksums that never change: segments are then stamped
 * from it without parsing addresses again, which is most of the generator's time.
 */
class SegmentTemplate {
  readonly header: Uint8Array;
  /** one's-complement sum of the IPv4 header without total length, id and checksum */
  private readonly ipSum: number;
  /** pseudo-header addresses and protocol, ports and window */
  private readonly tcpSum: number;

  constructor(from: Endpoint, to: Endpoint, sport: number, dport: number) {
    this.header = tcpFrame({
      src: from.ip, dst: to.ip, srcMac: from.mac, dstMac: to.mac, ttl: from.ttl, ipId: 0, sport, dport, flags: 0,
    });
    const h = this.header;
    let ip = 0;
    for (let i = 14; i < 34; i += 2) if (i !== 16 && i !== 18 && i !== 24) ip += (h[i]! << 8) | h[i + 1]!;
    this.ipSum = ip;
    let tcp = 6;
    for (let i = 26; i < 34; i += 2) tcp += (h[i]! << 8) | h[i + 1]!;
    tcp += (h[34]! << 8) | h[35]!;
    tcp += (h[36]! << 8) | h[37]!;
    tcp += (h[48]! << 8) | h[49]!;
    this.tcpSum = tcp;
  }

  stamp(ipId: number, flags: number, seq: number, ack: number, payload: Uint8Array, ipLength: number): Uint8Array {
    const frame = new Uint8Array(ETH_IP_TCP + payload.length);
    frame.set(this.header);
    if (payload.length > 0) frame.set(payload, ETH_IP_TCP);
    frame[16] = ipLength >> 8;
    frame[17] = ipLength & 0xff;
    frame[18] = ipId >> 8;
    frame[19] = ipId & 0xff;
    writeChecksum(frame, 24, this.ipSum + ipLength + ipId);
    frame[38] = seq >>> 24;
    frame[39] = (seq >>> 16) & 0xff;
    frame[40] = (seq >>> 8) & 0xff;
    frame[41] = seq & 0xff;
    frame[42] = ack >>> 24;
    frame[43] = (ack >>> 16) & 0xff;
    frame[44] = (ack >>> 8) & 0xff;
    frame[45] = ack & 0xff;
    frame[47] = flags;
    // the TCP checksum covers the bytes kept, as the frame builder computes it
    const tcpLength = 20 + payload.length;
    let sum = this.tcpSum + tcpLength + (seq >>> 16) + (seq & 0xffff) + (ack >>> 16) + (ack & 0xffff) + ((0x50 << 8) | flags);
    for (let i = 0; i + 1 < payload.length; i += 2) sum += (payload[i]! << 8) | payload[i + 1]!;
    if (payload.length & 1) sum += payload[payload.length - 1]! << 8;
    writeChecksum(frame, 50, sum);
    return frame;
  }
}

function writeChecksum(frame: Uint8Array, at: number, sum: number): void {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  const c = ~sum & 0xffff;
  frame[at] = c >> 8;
  frame[at + 1] = c & 0xff;
}

export class TcpConnection {
  private clientSeq: number;
  private serverSeq: number;
  private readonly fromClientTemplate: SegmentTemplate;
  private readonly fromServerTemplate: SegmentTemplate;

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
    this.fromClientTemplate = new SegmentTemplate(client, server, sport, dport);
    this.fromServerTemplate = new SegmentTemplate(server, client, dport, sport);
  }

  /**
   * One segment. `length` is the payload length on the wire; `kept` the payload bytes captured
   * (cut to `length`). SYN and FIN take one sequence number each, as in TCP.
   */
  segment(at: Micros, fromClient: boolean, flags: number, length = 0, kept?: Uint8Array): PacketEmission {
    const from = fromClient ? this.client : this.server;
    const seq = fromClient ? this.clientSeq : this.serverSeq;
    const ack = flags & TCP.ACK ? (fromClient ? this.serverSeq : this.clientSeq) : 0;
    const payload = kept === undefined ? NO_PAYLOAD : kept.length > length ? kept.subarray(0, length) : kept;
    const template = fromClient ? this.fromClientTemplate : this.fromServerTemplate;
    const frame = template.stamp(nextIpId(from), flags & 0xff, seq, ack, payload, 40 + length);
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
