// The result of decoding one packet. The decoder fills one reused instance per packet, so
// nothing here is valid after the next decode() call.

/** What the network layer carried. */
export const NETWORK = { NONE: 0, IPV4: 4, IPV6: 6, ARP: 1 } as const;

/** Which IPv4/IPv6 fragment this packet is. */
export const FRAGMENT = { NONE: 0, FIRST: 1, LATER: 2 } as const;

/** A/AAAA answers kept per DNS response; the rest of a longer answer section is not read */
export const MAX_DNS_ANSWERS = 16;

export const IP_PROTO = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

export class DecodedPacket {
  /** timestamp in ms since the epoch, with sub-ms fraction */
  tsMs = 0;
  tsSec = 0;
  tsNsec = 0;
  wireLen = 0;
  capLen = 0;
  /** true when some header was truncated or inconsistent; the fields decoded before it stay valid */
  malformed = false;
  /** NETWORK.* */
  network: number = NETWORK.NONE;
  /** EtherType of the network layer (after VLAN tags), 0 when the link layer had none */
  etherType = 0;
  /** innermost VLAN id, -1 without a tag */
  vlan = -1;
  /** IPv4: the address in [0], rest zero. IPv6: four big-endian 32-bit words. ARP: sender/target IPv4.
   *  Valid only when `network` says which. */
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  /** upper-layer protocol after IPv6 extension headers (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, …) */
  proto = 0;
  /** ports are valid (TCP/UDP first fragment or an unfragmented packet, or learned from the first fragment) */
  hasPorts = false;
  sport = 0;
  dport = 0;
  /** TCP flags byte (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32) */
  tcpFlags = 0;
  /** TCP sequence number */
  tcpSeq = 0;
  /** ICMP/ICMPv6 type and code, -1 when not ICMP */
  icmpType = -1;
  icmpCode = -1;
  /** FRAGMENT.* */
  fragment: number = FRAGMENT.NONE;
  /** ARP opcode, 0 when not ARP */
  arpOp = 0;
  /** true when a DNS message on port 53 was parsed */
  dns = false;
  dnsResponse = false;
  dnsRcode = 0;
  dnsQtype = 0;
  /** the first question's name (lower-cased, bytes outside printable ASCII as \xNN), '' when none */
  dnsName = '';
  /** A/AAAA answers of a DNS response (at most MAX_DNS_ANSWERS): four words each, as `src`/`dst` hold addresses */
  dnsAnswers = 0;
  readonly dnsAnswerWords = new Uint32Array(MAX_DNS_ANSWERS * 4);
  /** 1 where answer i is an AAAA record */
  readonly dnsAnswerV6 = new Uint8Array(MAX_DNS_ANSWERS);

  reset(): void {
    this.malformed = false;
    this.network = NETWORK.NONE;
    this.etherType = 0;
    this.vlan = -1;
    this.proto = 0;
    this.hasPorts = false;
    this.sport = 0;
    this.dport = 0;
    this.tcpFlags = 0;
    this.tcpSeq = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.fragment = FRAGMENT.NONE;
    this.arpOp = 0;
    this.dns = false;
    this.dnsResponse = false;
    this.dnsRcode = 0;
    this.dnsQtype = 0;
    this.dnsName = '';
    this.dnsAnswers = 0;
  }

  get isIp(): boolean {
    return this.network === NETWORK.IPV4 || this.network === NETWORK.IPV6;
  }
}
