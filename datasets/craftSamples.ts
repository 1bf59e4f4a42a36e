// A small, deterministic mix of traffic covering what the decoder reads (TCP sessions, port reuse,
// DNS with NXDOMAIN, ICMP unreachable, IPv6 with extension headers, IPv4 fragments, ARP, a scan,
// a truncated frame), for conformance tests against tshark on every link type and file format.
import {
  arpFrame, dnsQuery, dnsResponse, icmpFrame, ipv4Fragments, ipv6WithExtensionHeaders, relink, tcpFrame, udpFrame, TCP,
  LINKTYPE,
} from './craft.ts';

export interface TimedFrame {
  tsSec: number;
  tsNsec: number;
  frame: Uint8Array;
}

export interface SampleTrafficOptions {
  /** first timestamp, seconds since the epoch */
  startSec?: number;
  /** 802.1Q tags on every Ethernet frame, outer → inner */
  vlan?: number[];
  /** re-wrap every frame for this link type; frames it cannot carry (e.g. ARP on raw IP) are left out */
  linkType?: number;
}

export function sampleTraffic(opts: SampleTrafficOptions = {}): TimedFrame[] {
  const vlan = opts.vlan;
  const linkType = opts.linkType ?? LINKTYPE.ETHERNET;
  const frames: Uint8Array[] = [];
  const add = (frame: Uint8Array): void => { frames.push(frame); };
  const client = '192.168.1.10';
  const web = '93.184.216.34';
  // an outbound TLS session: handshake, data both ways, FIN both ways
  add(tcpFrame({ src: client, dst: web, sport: 40000, dport: 443, flags: TCP.SYN, seq: 1000, vlan }));
  add(tcpFrame({ src: web, dst: client, sport: 443, dport: 40000, flags: TCP.SYN | TCP.ACK, seq: 5000, ack: 1001, vlan }));
  add(tcpFrame({ src: client, dst: web, sport: 40000, dport: 443, flags: TCP.ACK, seq: 1001, ack: 5001, vlan }));
  add(tcpFrame({ src: client, dst: web, sport: 40000, dport: 443, flags: TCP.PSH | TCP.ACK, seq: 1001, ack: 5001, payload: 517, vlan }));
  add(tcpFrame({ src: web, dst: client, sport: 443, dport: 40000, flags: TCP.PSH | TCP.ACK, seq: 5001, ack: 1518, payload: 1400, vlan }));
  add(tcpFrame({ src: client, dst: web, sport: 40000, dport: 443, flags: TCP.FIN | TCP.ACK, seq: 1518, ack: 6401, vlan }));
  add(tcpFrame({ src: web, dst: client, sport: 443, dport: 40000, flags: TCP.FIN | TCP.ACK, seq: 6401, ack: 1519, vlan }));
  // the same ports reused by a new connection (another initial sequence number)
  add(tcpFrame({ src: client, dst: web, sport: 40000, dport: 443, flags: TCP.SYN, seq: 90000, vlan }));
  add(tcpFrame({ src: web, dst: client, sport: 443, dport: 40000, flags: TCP.RST | TCP.ACK, seq: 0, ack: 90001, vlan }));
  // DNS: an answered query and an NXDOMAIN
  add(udpFrame({ src: client, dst: '8.8.8.8', sport: 53001, dport: 53, payload: dnsQuery({ id: 1, name: 'www.example.com' }), vlan }));
  add(udpFrame({ src: '8.8.8.8', dst: client, sport: 53, dport: 53001, payload: dnsResponse({ id: 1, name: 'www.example.com', answers: ['93.184.216.34'] }), vlan }));
  add(udpFrame({ src: client, dst: '8.8.8.8', sport: 53002, dport: 53, payload: dnsQuery({ id: 2, name: 'x9f3k2q8.tunnel.example.net', qtype: 16 }), vlan }));
  add(udpFrame({ src: '8.8.8.8', dst: client, sport: 53, dport: 53002, payload: dnsResponse({ id: 2, name: 'x9f3k2q8.tunnel.example.net', qtype: 16, rcode: 3 }), vlan }));
  // ICMP port unreachable from a router, ICMP echo
  add(icmpFrame({ src: '192.168.1.1', dst: client, type: 3, code: 3, payload: 28, vlan }));
  add(icmpFrame({ src: client, dst: '1.1.1.1', type: 8, code: 0, payload: 56, vlan }));
  add(icmpFrame({ src: '1.1.1.1', dst: client, type: 0, code: 0, payload: 56, vlan }));
  // internal SMB
  add(tcpFrame({ src: client, dst: '192.168.1.20', sport: 50000, dport: 445, flags: TCP.SYN, seq: 7, vlan }));
  add(tcpFrame({ src: '192.168.1.20', dst: client, sport: 445, dport: 50000, flags: TCP.SYN | TCP.ACK, seq: 9, ack: 8, vlan }));
  // inbound SYN scan of three ports, one answered with RST
  for (const port of [22, 23, 3389]) {
    add(tcpFrame({ src: '203.0.113.5', dst: '192.168.1.20', sport: 61000, dport: port, flags: TCP.SYN, seq: 42, vlan }));
  }
  add(tcpFrame({ src: '192.168.1.20', dst: '203.0.113.5', sport: 23, dport: 61000, flags: TCP.RST | TCP.ACK, ack: 43, vlan }));
  // IPv6 with extension headers, and ICMPv6 unreachable
  add(ipv6WithExtensionHeaders(tcpFrame({ src: 'fd00::10', dst: '2001:db8::1', sport: 41000, dport: 80, flags: TCP.SYN, seq: 3, vlan }),
    ['hop-by-hop', 'destination', 'routing']));
  add(tcpFrame({ src: '2001:db8::1', dst: 'fd00::10', sport: 80, dport: 41000, flags: TCP.SYN | TCP.ACK, seq: 4, ack: 4, vlan }));
  add(udpFrame({ src: 'fd00::10', dst: '2001:db8::53', sport: 41001, dport: 53, payload: dnsQuery({ id: 3, name: 'example.org', qtype: 28 }), vlan }));
  add(icmpFrame({ src: 'fe80::1', dst: 'fd00::10', type: 1, code: 4, payload: 48, vlan }));
  // a UDP datagram in three IPv4 fragments
  for (const f of ipv4Fragments(udpFrame({ src: client, dst: '198.51.100.7', sport: 45000, dport: 9000, payload: 3000, ipId: 0x4242, vlan }), 1400)) add(f);
  // ARP request and reply (Ethernet-type links only)
  add(arpFrame({ op: 1, senderMac: '02:00:00:00:00:0a', senderIp: client, targetMac: '00:00:00:00:00:00', targetIp: '192.168.1.1' }));
  add(arpFrame({ op: 2, senderMac: '02:00:00:00:00:01', senderIp: '192.168.1.1', targetMac: '02:00:00:00:00:0a', targetIp: client }));
  // a frame cut inside its IPv4 header
  add(tcpFrame({ src: client, dst: web, sport: 40001, dport: 443, flags: TCP.SYN, vlan }).subarray(0, 14 + 4 * (vlan?.length ?? 0) + 10));

  const start = opts.startSec ?? 1_700_000_000;
  const out: TimedFrame[] = [];
  for (const frame of frames) {
    let wrapped: Uint8Array;
    try {
      wrapped = relink(frame, linkType);
    } catch {
      continue; // this link type cannot carry the frame (ARP on raw IP, IPv6 on LINKTYPE_IPV4, …)
    }
    const i = out.length;
    out.push({ tsSec: start + Math.floor(i / 8), tsNsec: (i % 8) * 123_456_789, frame: wrapped });
  }
  return out;
}
