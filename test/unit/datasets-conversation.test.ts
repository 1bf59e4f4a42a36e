// Segments stamped from a connection's template are the frames the frame builder makes, checksums
// included; a payload cut short still claims its full length in the IPv4 header.
import { describe, expect, it } from 'vitest';
import { TCP, tcpFrame } from '../../datasets/index.ts';
import { TcpConnection } from '../../datasets/generator/conversation.ts';
import type { Endpoint } from '../../datasets/generator/network.ts';
import { Random } from '../../datasets/generator/random.ts';

const client = (): Endpoint => ({ ip: '10.0.0.105', mac: '02:00:0a:00:00:69', ttl: 128, ipId: 0xfffe, nextPort: 50000 });
const server = (): Endpoint => ({ ip: '198.51.100.17', mac: '02:00:0a:00:00:01', ttl: 51, ipId: 7, nextPort: 40000 });

describe('TcpConnection segments', () => {
  it('match the frame builder byte for byte, sequence numbers and IP ids included', () => {
    const rnd = new Random(3, 'segments');
    const c = client();
    const s = server();
    const conn = new TcpConnection(c, s, 50123, 443, 0xfffffff0, 12345);
    let cSeq = 0xfffffff0;
    let sSeq = 12345;
    let cId = 0xfffe;
    let sId = 7;
    const steps: Array<[boolean, number, number]> = [[true, TCP.SYN, 0], [false, TCP.SYN | TCP.ACK, 0], [true, TCP.ACK, 0]];
    for (let i = 0; i < 200; i++) steps.push([rnd.chance(0.5), rnd.pick([TCP.ACK, TCP.PSH | TCP.ACK, TCP.FIN | TCP.ACK]), rnd.int(0, 40)]);
    for (const [fromClient, flags, len] of steps) {
      const payload = new Uint8Array(len).map(() => rnd.int(0, 255));
      const got = conn.segment(1, fromClient, flags, len, payload);
      const seq = fromClient ? cSeq : sSeq;
      const ack = flags & TCP.ACK ? (fromClient ? sSeq : cSeq) : 0;
      const want = tcpFrame({
        src: fromClient ? c.ip : s.ip, dst: fromClient ? s.ip : c.ip, srcMac: fromClient ? c.mac : s.mac, dstMac: fromClient ? s.mac : c.mac,
        ttl: fromClient ? 128 : 51, ipId: fromClient ? cId : sId, sport: fromClient ? 50123 : 443, dport: fromClient ? 443 : 50123,
        flags, seq, ack, payload,
      });
      expect(Buffer.from(got.frame).toString('hex')).toBe(Buffer.from(want).toString('hex'));
      expect(got.wireLen).toBe(want.length);
      const advance = len + (flags & TCP.SYN ? 1 : 0) + (flags & TCP.FIN ? 1 : 0);
      if (fromClient) { cSeq = (cSeq + advance) >>> 0; cId = (cId + 1) & 0xffff; } else { sSeq = (sSeq + advance) >>> 0; sId = (sId + 1) & 0xffff; }
    }
  });

  it('keeps only the given prefix of a long payload and claims the full length on the wire', () => {
    const conn = new TcpConnection(client(), server(), 50123, 443, 1, 2);
    const seg = conn.segment(1, true, TCP.ACK, 1460, Uint8Array.of(0x17, 0x03, 0x03, 0x05, 0xaf));
    expect(seg.frame.length).toBe(54 + 5);
    expect(seg.wireLen).toBe(54 + 1460);
    expect((seg.frame[16]! << 8) | seg.frame[17]!).toBe(20 + 20 + 1460);
    // IPv4 header checksum still verifies
    let sum = 0;
    for (let i = 14; i < 34; i += 2) sum += (seg.frame[i]! << 8) | seg.frame[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).toBe(0xffff);
    const next = conn.segment(2, true, TCP.ACK, 10);
    expect(new DataView(next.frame.buffer).getUint32(38)).toBe(1 + 1460);
  });
});
