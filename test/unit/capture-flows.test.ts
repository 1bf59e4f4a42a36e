import { describe, expect, it } from 'vitest';
import { FlowTable, LocalNetworks, PacketDecoder, TCP_STATE, type DecodedPacket, frameRecord } from '../../capture/index.ts';
import { TCP, icmpFrame, ipv4Fragments, tcpFrame, udpFrame } from '../../datasets/index.ts';
import { parseIpv6Words } from '../../capture/flows/localNetworks.ts';

const decoder = new PacketDecoder();
function decoded(frame: Uint8Array, tsMs = 1_700_000_000_000): DecodedPacket {
  return decoder.decode(frameRecord(frame, Math.floor(tsMs / 1000), (tsMs % 1000) * 1e6));
}

describe('LocalNetworks: direction', () => {
  const nets = new LocalNetworks();
  const dir = (src: string, dst: string): number => {
    const p = decoded(udpFrame({ src, dst, sport: 1, dport: 2 }));
    return nets.direction(p.network === 6, p.src, p.dst);
  };
  it('defaults: RFC 1918, link-local, loopback, RFC 4193, fe80::/10, ::1', () => {
    expect(dir('192.168.1.1', '8.8.8.8')).toBe(0);
    expect(dir('8.8.8.8', '10.1.2.3')).toBe(1);
    expect(dir('172.16.0.1', '172.31.255.255')).toBe(2);
    expect(dir('172.32.0.1', '8.8.8.8')).toBe(3);
    expect(dir('169.254.1.1', '127.0.0.1')).toBe(2);
    expect(dir('fd12::1', '2001:db8::1')).toBe(0);
    expect(dir('2001:db8::1', 'fe80::1')).toBe(1);
    expect(dir('::1', 'fc00::5')).toBe(2);
    expect(dir('2001:db8::1', '2001:db8::2')).toBe(3);
  });
  it('configured networks replace the defaults; a bad CIDR names itself', () => {
    const custom = new LocalNetworks(['203.0.113.0/24', '2001:db8:1::/48']);
    expect(custom.isLocalV4(0xcb007105)).toBe(true);
    expect(custom.isLocalV4(0xc0a80101)).toBe(false);
    expect(custom.isLocalV6(parseIpv6Words('2001:db8:1:ffff::1')!)).toBe(true);
    expect(custom.isLocalV6(parseIpv6Words('2001:db8:2::1')!)).toBe(false);
    expect(() => new LocalNetworks(['10.0.0.0/33'])).toThrow(/10\.0\.0\.0\/33/);
    expect(() => new LocalNetworks(['nonsense'])).toThrow(/nonsense/);
  });
  it('IPv4 locality agrees with prefix arithmetic for prefixes of every length', () => {
    const sets = [
      ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '127.0.0.0/8'],
      ['0.0.0.0/0'], ['128.0.0.0/1'], ['96.0.0.0/3', '10.1.2.3/32'], ['10.0.0.0/7', '11.255.0.0/16'], ['203.0.113.128/25'],
    ];
    let x = 0x2545f491;
    const rnd = (): number => {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      return x;
    };
    for (const cidrs of sets) {
      const nets = new LocalNetworks(cidrs);
      const parsed = cidrs.map((c) => {
        const [a, b] = c.split('/');
        const bits = Number(b);
        const addr = a!.split('.').reduce((v, o) => v * 256 + Number(o), 0);
        const size = 2 ** (32 - bits);
        return { from: Math.floor(addr / size) * size, size };
      });
      const expected = (addr: number): boolean => parsed.some((n) => addr >= n.from && addr < n.from + n.size);
      let wrong = 0;
      let local = 0;
      for (let i = 0; i < 20_000; i++) {
        // random addresses, and addresses next to each network's edges
        const n = parsed[i % parsed.length]!;
        const addr = i % 4 === 0 ? rnd() : i % 4 === 1 ? n.from : i % 4 === 2 ? (n.from + n.size) % 2 ** 32 : (n.from + 2 ** 32 - 1) % 2 ** 32;
        if (nets.isLocalV4(addr) !== expected(addr)) wrong++;
        if (expected(addr)) local++;
      }
      expect(wrong, cidrs.join(',')).toBe(0);
      expect(local).toBeGreaterThan(0);
    }
  });
});

describe('FlowTable', () => {
  const t0 = 1_700_000_000_000;
  const syn = (sport: number, tsMs = t0, seq = 1): DecodedPacket =>
    decoded(tcpFrame({ src: '192.168.1.10', dst: '93.184.216.34', sport, dport: 443, flags: TCP.SYN, seq }), tsMs);

  it('evicting under pressure keeps every live flow findable: agrees with a least-recently-used reference', () => {
    // 300 UDP conversations through a table of 128, in increasing time: each new one evicts the
    // flow idle longest, which a Map in touch order predicts; every eviction reshuffles a probe chain
    const capacity = 128;
    const t = new FlowTable(capacity);
    const ref = new Map<number, number>(); // conversation → flow index, in touch order
    let x = 0x1234567;
    const frames = Array.from({ length: 300 }, (_, c) => udpFrame({ src: `10.0.${c >> 8}.${c & 255}`, dst: '198.51.100.7', sport: 1000 + c, dport: 53 }));
    let wrong = 0;
    for (let n = 0; n < 50_000; n++) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      // a skewed pick, so some conversations stay hot and others are evicted and come back
      const c = (x % 4 === 0 ? x >>> 2 : (x >>> 2) % 40) % 300;
      const { flow, isNew } = t.track(decoded(frames[c]!, t0 + n));
      const known = ref.get(c);
      if (known !== undefined) {
        if (isNew || flow !== known) wrong++;
        ref.delete(c);
      } else {
        if (!isNew) wrong++;
        if (ref.size === capacity) ref.delete(ref.keys().next().value!);
      }
      ref.set(c, flow);
      if (t.size !== ref.size) wrong++;
    }
    expect(wrong).toBe(0);
    expect(t.evictions).toBeGreaterThan(1_000);
  });

  it('both directions of a connection are one flow; the SYN sender is the initiator', () => {
    const t = new FlowTable(16);
    const { flow: a, isNew: aNew, fromInitiator: aInit } = t.track(syn(40000));
    expect(aNew && aInit).toBe(true);
    const { flow: b, isNew: bNew, fromInitiator: bInit } = t.track(decoded(tcpFrame({ src: '93.184.216.34', dst: '192.168.1.10', sport: 443, dport: 40000, flags: TCP.SYN | TCP.ACK, payload: 100 })));
    expect(b).toBe(a);
    expect([bNew, bInit]).toEqual([false, false]);
    expect([t.packetsFromInitiator(a), t.packetsFromResponder(a), t.serverPort(a)]).toEqual([1, 1, 443]);
    expect(t.bytesFromResponder(a)).toBe(54 + 100);
    expect(t.bytesFromInitiator(a)).toBe(54);
    expect([t.firstSeenMs(a), t.lastSeenMs(a)]).toEqual([t0, t0]);
    expect(t.tcpState(a) & (TCP_STATE.SYN | TCP_STATE.SYN_ACK)).toBe(TCP_STATE.SYN | TCP_STATE.SYN_ACK);
    expect(t.size).toBe(1);
  });

  it('without a SYN, the well-known or lower port is the server side', () => {
    const t = new FlowTable(16);
    const { flow: f, fromInitiator: fInit } = t.track(decoded(udpFrame({ src: '8.8.8.8', dst: '192.168.1.10', sport: 53, dport: 53000 })));
    expect([fInit, t.serverPort(f)]).toEqual([false, 53]);
    const { flow: g, fromInitiator: gInit } = t.track(decoded(tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5000, dport: 40000, flags: TCP.ACK })));
    expect([gInit, t.serverPort(g)]).toEqual([false, 5000]);
  });

  it('idle timeouts per protocol, on packet time', () => {
    const t = new FlowTable(16, { tcpEstablishedMs: 300_000, tcpClosedMs: 10_000, udpMs: 60_000, icmpMs: 30_000, otherMs: 60_000 });
    t.track(decoded(udpFrame({ src: '10.0.0.1', dst: '8.8.8.8', sport: 1000, dport: 53 }), t0));
    t.track(decoded(icmpFrame({ src: '10.0.0.1', dst: '8.8.8.8', type: 8, code: 0 }), t0));
    t.track(syn(40000, t0));
    expect(t.size).toBe(3);
    t.expire(t0 + 30_001);
    expect(t.size).toBe(2); // ICMP gone
    t.expire(t0 + 60_001);
    expect(t.size).toBe(1); // UDP gone
    t.expire(t0 + 300_001);
    expect([t.size, t.expirations]).toEqual([0, 3]);
  });

  it('a closed TCP flow uses the short timeout', () => {
    const t = new FlowTable(16);
    t.track(syn(40000, t0));
    t.track(decoded(tcpFrame({ src: '93.184.216.34', dst: '192.168.1.10', sport: 443, dport: 40000, flags: TCP.RST | TCP.ACK }), t0 + 1));
    t.expire(t0 + 10_002);
    expect(t.size).toBe(0);
  });

  it('a SYN with a new initial sequence number on the same ports starts a new flow; a retransmitted SYN does not', () => {
    const t = new FlowTable(16);
    const a = t.track(syn(40000, t0, 1000)).flow;
    const retransmitted = t.track(syn(40000, t0 + 1, 1000)).isNew;
    expect([retransmitted, t.created]).toEqual([false, 1]);
    const reused = t.track(syn(40000, t0 + 2, 99999)).isNew;
    expect([reused, t.created, t.size]).toEqual([true, 2, 1]);
    expect(a).toBeGreaterThanOrEqual(0);
  });

  it('when full, the oldest-idle flow is evicted and counted', () => {
    const t = new FlowTable(4);
    for (let i = 0; i < 4; i++) t.track(syn(1000 + i, t0 + i));
    t.track(syn(1000, t0 + 10)); // refresh the oldest
    t.track(syn(2000, t0 + 11));
    expect([t.size, t.evictions]).toEqual([4, 1]);
    // 1001 was the oldest idle: it is new again, 1000 is still known
    expect(t.track(syn(1000, t0 + 12)).isNew).toBe(false);
    expect(t.track(syn(1001, t0 + 13)).isNew).toBe(true);
  });

  it('a growable table doubles instead of evicting: every flow stays findable with its counts, indexes unchanged', () => {
    const t = new FlowTable(4, undefined, true);
    const conversations = 5_000;
    const frames = Array.from({ length: conversations }, (_, c) => udpFrame({ src: `10.1.${c >> 8}.${c & 255}`, dst: '198.51.100.9', sport: 2000 + (c % 50_000), dport: 53 }));
    const index = new Map<number, number>();
    const sent = new Map<number, number>();
    let wrong = 0;
    let x = 0x2545f491;
    for (let n = 0; n < 40_000; n++) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      // the first packets open conversations in order (growing the table 4 → 8192); later ones revisit them
      const c = n < conversations ? n : x % conversations;
      const { flow, isNew } = t.track(decoded(frames[c]!, t0 + n));
      const known = index.get(c);
      if (known === undefined ? !isNew : isNew || flow !== known) wrong++;
      index.set(c, flow);
      sent.set(c, (sent.get(c) ?? 0) + 1);
    }
    expect(wrong).toBe(0);
    expect([t.size, t.evictions, t.capacity]).toEqual([conversations, 0, 8192]);
    for (const [c, flow] of index) if (t.packetsFromInitiator(flow) + t.packetsFromResponder(flow) !== sent.get(c)) wrong++;
    expect(wrong).toBe(0);
  });

  it('later fragments join the flow of their first fragment', () => {
    const t = new FlowTable(16);
    const frags = ipv4Fragments(udpFrame({ src: '10.0.0.1', dst: '8.8.4.4', sport: 5555, dport: 9999, payload: 3000, ipId: 99 }), 1400);
    const ids = frags.map((f) => t.track(decoded(f)).flow);
    expect(new Set(ids).size).toBe(1);
    expect(t.packetsFromInitiator(ids[0]!) + t.packetsFromResponder(ids[0]!)).toBe(3);
  });

  it('stays consistent under heavy churn (insert, expire, evict)', () => {
    const t = new FlowTable(1000, { tcpEstablishedMs: 50, tcpClosedMs: 10, udpMs: 50, icmpMs: 50, otherMs: 50 });
    let ts = t0;
    for (let i = 0; i < 20_000; i++) {
      ts += 0.01;
      const f = t.track(decoded(udpFrame({ src: `10.0.${(i * 7) & 255}.${i & 255}`, dst: '8.8.8.8', sport: 1024 + (i % 3000), dport: 53 }), ts)).flow;
      expect(f).toBeGreaterThanOrEqual(0);
    }
    expect(t.size).toBeLessThanOrEqual(1000);
    expect(t.created).toBe(t.size + t.expirations + t.evictions);
  });
});
