import { describe, expect, it } from 'vitest';
import { FRAGMENT, NETWORK, PacketDecoder, frameRecord, type PacketRecord } from '../../capture/index.ts';
import {
  LINKTYPE, TCP, arpFrame, dnsQuery, dnsResponse, icmpFrame, ipv4Fragments, ipv6WithExtensionHeaders, relink, tcpFrame, udpFrame,
} from '../../datasets/index.ts';

function rec(data: Uint8Array, linkType: number = LINKTYPE.ETHERNET, origLen = data.length): PacketRecord {
  return frameRecord(data, 1_700_000_000, 5, linkType, origLen);
}

const syn = tcpFrame({ src: '192.168.1.10', dst: '93.184.216.34', sport: 40000, dport: 443, flags: TCP.SYN, seq: 77 });
const syn6 = tcpFrame({ src: 'fd00::10', dst: '2001:db8::1', sport: 41000, dport: 80, flags: TCP.SYN | TCP.ACK });

describe('link layers', () => {
  const cases: Array<[string, number]> = [
    ['Ethernet', LINKTYPE.ETHERNET], ['Linux SLL', LINKTYPE.LINUX_SLL], ['Linux SLL2', LINKTYPE.LINUX_SLL2],
    ['raw IP (101)', LINKTYPE.RAW], ['NULL/loopback', LINKTYPE.NULL],
  ];
  for (const [name, lt] of cases) {
    it(`${name}: IPv4 TCP and IPv6 TCP decode to the same fields`, () => {
      const d = new PacketDecoder();
      const p = d.decode(rec(relink(syn, lt), lt));
      expect(p.malformed).toBe(false);
      expect(p.network).toBe(NETWORK.IPV4);
      expect(p.src[0]).toBe(0xc0a8010a);
      expect(p.dst[0]).toBe(0x5db8d822);
      expect([p.proto, p.sport, p.dport, p.tcpFlags, p.tcpSeq]).toEqual([6, 40000, 443, TCP.SYN, 77]);
      const q = d.decode(rec(relink(syn6, lt), lt));
      expect(q.network).toBe(NETWORK.IPV6);
      expect([...q.src]).toEqual([0xfd000000, 0, 0, 0x10]);
      expect([q.sport, q.dport, q.tcpFlags]).toEqual([41000, 80, TCP.SYN | TCP.ACK]);
    });
  }

  it('raw IPv4 (228) and raw IPv6 (229), and raw IP under DLT 12/14', () => {
    const d = new PacketDecoder();
    expect(d.decode(rec(relink(syn, LINKTYPE.IPV4), LINKTYPE.IPV4)).dport).toBe(443);
    expect(d.decode(rec(relink(syn6, LINKTYPE.IPV6), LINKTYPE.IPV6)).dport).toBe(80);
    expect(d.decode(rec(relink(syn, LINKTYPE.RAW), 12)).dport).toBe(443);
    expect(d.decode(rec(relink(syn6, LINKTYPE.RAW), 14)).dport).toBe(80);
  });

  it('NULL/loopback accepts either byte order and every BSD AF_INET6 value', () => {
    const d = new PacketDecoder();
    for (const af of [24, 28, 30]) {
      const f = relink(syn6, LINKTYPE.NULL);
      f.set([af, 0, 0, 0], 0);
      expect(d.decode(rec(f, 0)).network).toBe(NETWORK.IPV6);
      f.set([0, 0, 0, af], 0);
      expect(d.decode(rec(f, 0)).network).toBe(NETWORK.IPV6);
    }
  });

  it('802.1Q, QinQ (0x88a8) and 0x9100 tags are skipped; the inner VLAN id is kept', () => {
    const d = new PacketDecoder();
    const one = tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 22, flags: TCP.SYN, vlan: [100] });
    expect(d.decode(rec(one)).vlan).toBe(100);
    const two = tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 22, flags: TCP.SYN, vlan: [10, 200] });
    expect([two[12], two[13], two[16], two[17]]).toEqual([0x88, 0xa8, 0x81, 0x00]);
    const p = d.decode(rec(two));
    expect([p.vlan, p.dport, p.malformed]).toEqual([200, 22, false]);
    two[12] = 0x91;
    two[13] = 0x00;
    expect(d.decode(rec(two)).dport).toBe(22);
  });

  it('an unknown link type is a decode error', () => {
    const p = new PacketDecoder().decode(rec(syn, 147));
    expect(p.malformed).toBe(true);
  });
});

describe('network and transport', () => {
  it('ARP: opcode and sender/target addresses', () => {
    const p = new PacketDecoder().decode(rec(arpFrame({ op: 2, senderMac: '02:00:00:00:00:01', senderIp: '192.168.1.1', targetMac: '02:00:00:00:00:02', targetIp: '192.168.1.9' })));
    expect([p.network, p.arpOp, p.src[0], p.dst[0], p.malformed]).toEqual([NETWORK.ARP, 2, 0xc0a80101, 0xc0a80109, false]);
  });

  it('ICMP and ICMPv6 type and code', () => {
    const d = new PacketDecoder();
    const p = d.decode(rec(icmpFrame({ src: '10.0.0.1', dst: '10.0.0.2', type: 3, code: 3, payload: 28 })));
    expect([p.proto, p.icmpType, p.icmpCode]).toEqual([1, 3, 3]);
    const q = d.decode(rec(icmpFrame({ src: 'fe80::1', dst: 'fd00::1', type: 1, code: 4 })));
    expect([q.proto, q.icmpType, q.icmpCode]).toEqual([58, 1, 4]);
  });

  it('IPv6 extension headers (hop-by-hop, routing, destination, fragment, AH) are walked to the upper layer', () => {
    const d = new PacketDecoder();
    const f = ipv6WithExtensionHeaders(syn6, ['hop-by-hop', 'routing', 'destination', 'fragment']);
    const p = d.decode(rec(f));
    expect([p.proto, p.sport, p.dport, p.fragment, p.malformed]).toEqual([6, 41000, 80, FRAGMENT.NONE, false]);
    // rewrite the destination-options header into an AH header (length in 4-byte units minus 2)
    const ah = ipv6WithExtensionHeaders(syn6, ['destination']);
    ah[14 + 6] = 51;
    ah[14 + 40 + 1] = 0;
    const q = d.decode(rec(ah));
    expect([q.proto, q.dport, q.malformed]).toEqual([6, 80, false]);
  });

  it('an extension-header chain running past the packet is malformed', () => {
    const f = ipv6WithExtensionHeaders(syn6, ['hop-by-hop']);
    f[14 + 40 + 1] = 200;
    expect(new PacketDecoder().decode(rec(f)).malformed).toBe(true);
  });

  it('IPv4 fragments: ports from the first fragment, later fragments get them from the remembered first', () => {
    const d = new PacketDecoder();
    const frags = ipv4Fragments(udpFrame({ src: '10.0.0.1', dst: '8.8.4.4', sport: 5555, dport: 9999, payload: 3000, ipId: 7 }), 1400);
    expect(frags.length).toBe(3);
    const first = d.decode(rec(frags[0]!));
    expect([first.fragment, first.hasPorts, first.sport, first.dport]).toEqual([FRAGMENT.FIRST, true, 5555, 9999]);
    for (const f of frags.slice(1)) {
      const p = d.decode(rec(f));
      expect([p.fragment, p.hasPorts, p.sport, p.dport, p.malformed]).toEqual([FRAGMENT.LATER, true, 5555, 9999, false]);
    }
    // a later fragment whose first fragment was never seen keeps no ports
    const orphan = ipv4Fragments(udpFrame({ src: '10.0.0.1', dst: '8.8.4.4', sport: 1, dport: 2, payload: 3000, ipId: 8 }), 1400)[2]!;
    const p = new PacketDecoder().decode(rec(orphan));
    expect([p.fragment, p.hasPorts, p.sport]).toEqual([FRAGMENT.LATER, false, 0]);
  });

  it('truncated headers are decode errors; a snaplen cut after the headers is not', () => {
    const d = new PacketDecoder();
    expect(d.decode(rec(syn.subarray(0, 30))).malformed).toBe(true);
    expect(d.decode(rec(syn.subarray(0, 40))).malformed).toBe(true);
    const big = tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 80, flags: TCP.ACK, payload: 1000 });
    const cut = d.decode(rec(big.subarray(0, 96), LINKTYPE.ETHERNET, big.length));
    expect([cut.malformed, cut.dport]).toEqual([false, 80]);
  });
});

describe('DNS', () => {
  const dnsPacket = (payload: Uint8Array, fromServer = false): Uint8Array => udpFrame(fromServer
    ? { src: '8.8.8.8', dst: '192.168.1.10', sport: 53, dport: 40000, payload }
    : { src: '192.168.1.10', dst: '8.8.8.8', sport: 40000, dport: 53, payload });

  it('query: name (lower-cased), type, QR = 0', () => {
    const p = new PacketDecoder().decode(rec(dnsPacket(dnsQuery({ id: 1, name: 'WWW.Example.COM', qtype: 28 }))));
    expect([p.dns, p.dnsResponse, p.dnsName, p.dnsQtype, p.malformed]).toEqual([true, false, 'www.example.com', 28, false]);
  });

  it('NXDOMAIN response: rcode 3, QR = 1', () => {
    const p = new PacketDecoder().decode(rec(dnsPacket(dnsResponse({ id: 1, name: 'nope.example', rcode: 3 }), true)));
    expect([p.dns, p.dnsResponse, p.dnsRcode, p.dnsName]).toEqual([true, true, 3, 'nope.example']);
  });

  it('follows a backward compression pointer in the question', () => {
    // the question "www" + pointer to offset 0: the header's id 0x0178 reads as the label "x",
    // the flags byte 0x01 as a one-byte label holding 0x00, the question count's high byte ends it
    const msg = new Uint8Array(12 + 6 + 4);
    msg.set([0x01, 0x78, 0x01, 0x00, 0x00, 0x01], 0);
    msg.set([3, 0x77, 0x77, 0x77, 0xc0, 0x00, 0, 1, 0, 1], 12);
    const p = new PacketDecoder().decode(rec(dnsPacket(msg)));
    expect([p.dnsName, p.dnsQtype, p.malformed]).toEqual(['www.x.\\x00', 1, false]);
  });

  it('a pointer loop or forward pointer is malformed, never an endless loop', () => {
    const msg = new Uint8Array(12 + 6);
    msg[5] = 1;
    msg.set([0xc0, 12], 12); // points at itself
    const p = new PacketDecoder().decode(rec(dnsPacket(msg)));
    expect(p.malformed).toBe(true);
    const fwd = new Uint8Array(12 + 8);
    fwd[5] = 1;
    fwd.set([0xc0, 16], 12);
    expect(new PacketDecoder().decode(rec(dnsPacket(fwd))).malformed).toBe(true);
    // a label then a pointer back to it: every pass adds "www" until the name limit stops it
    const loop = new Uint8Array(12 + 6);
    loop[5] = 1;
    loop.set([3, 0x77, 0x77, 0x77, 0xc0, 12], 12);
    const q = new PacketDecoder().decode(rec(dnsPacket(loop)));
    expect([q.malformed, q.dnsName]).toEqual([true, '']);
  });

  it('unprintable bytes in a label are escaped', () => {
    const q = dnsQuery({ id: 1, name: 'ab.example' });
    q[13] = 0x01;
    const p = new PacketDecoder().decode(rec(dnsPacket(q)));
    expect(p.dnsName).toBe('\\x01b.example');
  });

  it('DNS over TCP (length-prefixed) is read', () => {
    const m = dnsQuery({ id: 4, name: 'tcp.example', qtype: 16 });
    const payload = new Uint8Array(m.length + 2);
    payload[1] = m.length;
    payload.set(m, 2);
    const f = tcpFrame({ src: '192.168.1.10', dst: '8.8.8.8', sport: 40000, dport: 53, flags: TCP.PSH | TCP.ACK, payload });
    const p = new PacketDecoder().decode(rec(f));
    expect([p.dns, p.dnsName, p.dnsQtype]).toEqual([true, 'tcp.example', 16]);
  });
});
