// Decodes one captured packet, link layer to DNS, into a reused DecodedPacket. Never throws:
// a truncated or inconsistent header sets `malformed` and leaves the layers before it decoded.
import type { PacketRecord } from '../packet.ts';
import { DecodedPacket, FRAGMENT, IP_PROTO } from './decodedPacket.ts';
import { decodeDnsMessage, DNS_MALFORMED, DNS_TRUNCATED } from './dnsMessage.ts';
import { FragmentPorts } from './fragmentPorts.ts';
import { decodeLinkLayer, ETHERTYPE, LINK_UNSUPPORTED } from './linkLayer.ts';
import { decodeArp, decodeIpv4, decodeIpv6, type NetworkBounds } from './networkLayer.ts';

const DNS_PORT = 53;

export class PacketDecoder {
  readonly packet = new DecodedPacket();
  private readonly bounds: NetworkBounds = { payloadStart: 0, payloadEnd: 0, fragmentId: 0 };
  private readonly fragments = new FragmentPorts();
  /** packets whose link type this decoder does not read (also counted as malformed) */
  unsupportedLinkType = 0;

  /** Decodes `rec`; returns the reused DecodedPacket (check `malformed`). */
  decode(rec: PacketRecord): DecodedPacket {
    const p = this.packet;
    p.reset();
    p.tsSec = rec.tsSec;
    p.tsNsec = rec.tsNsec;
    p.tsMs = rec.tsSec * 1000 + rec.tsNsec / 1e6;
    p.wireLen = rec.origLen;
    p.capLen = rec.capLen;
    const d = rec.buffer;
    const end = rec.offset + rec.capLen;
    const off = decodeLinkLayer(d, rec.offset, end, rec.linkType, p);
    if (off < 0) {
      if (off === LINK_UNSUPPORTED) this.unsupportedLinkType++;
      p.malformed = true;
      return p;
    }
    const cut = rec.capLen < rec.origLen;
    switch (p.etherType) {
      case ETHERTYPE.IPV4:
        if (decodeIpv4(d, off, end, p, this.bounds) < 0) p.malformed = true;
        else this.decodeTransport(d, p, cut);
        break;
      case ETHERTYPE.IPV6:
        if (decodeIpv6(d, off, end, p, this.bounds) < 0) p.malformed = true;
        else this.decodeTransport(d, p, cut);
        break;
      case ETHERTYPE.ARP:
        if (decodeArp(d, off, end, p) < 0) p.malformed = true;
        break;
      default:
        break;
    }
    return p;
  }

  private decodeTransport(d: Uint8Array, p: DecodedPacket, cut: boolean): void {
    const { payloadStart: at, payloadEnd: end, fragmentId } = this.bounds;
    const proto = p.proto;
    if (p.fragment === FRAGMENT.LATER) {
      if ((proto === IP_PROTO.TCP || proto === IP_PROTO.UDP) && this.fragments.recall(p, fragmentId)) p.hasPorts = true;
      return;
    }
    const avail = end - at;
    if (proto === IP_PROTO.TCP) {
      if (avail < 20) {
        p.malformed = !cut;
        return;
      }
      p.sport = (d[at]! << 8) | d[at + 1]!;
      p.dport = (d[at + 2]! << 8) | d[at + 3]!;
      p.hasPorts = true;
      p.tcpFlags = d[at + 13]!;
      p.tcpSeq = ((d[at + 4]! << 24) | (d[at + 5]! << 16) | (d[at + 6]! << 8) | d[at + 7]!) >>> 0;
      const hl = (d[at + 12]! >> 4) * 4;
      if (hl < 20 || hl > avail) {
        p.malformed = !cut || hl < 20;
      } else if ((p.sport === DNS_PORT || p.dport === DNS_PORT) && avail - hl >= 14) {
        // DNS over TCP: a 2-byte length, then the message; only when a segment starts a message
        if (decodeDnsMessage(d, at + hl + 2, end, p) === DNS_MALFORMED) p.dns = false;
      }
    } else if (proto === IP_PROTO.UDP) {
      if (avail < 8) {
        p.malformed = !cut;
        return;
      }
      p.sport = (d[at]! << 8) | d[at + 1]!;
      p.dport = (d[at + 2]! << 8) | d[at + 3]!;
      p.hasPorts = true;
      if (p.sport === DNS_PORT || p.dport === DNS_PORT) {
        const r = decodeDnsMessage(d, at + 8, end, p);
        if (r === DNS_MALFORMED || (r === DNS_TRUNCATED && !cut && p.fragment === FRAGMENT.NONE)) p.malformed = true;
      }
    } else if (proto === IP_PROTO.ICMP || proto === IP_PROTO.ICMPV6) {
      if (avail < 4) {
        p.malformed = !cut;
        return;
      }
      p.icmpType = d[at]!;
      p.icmpCode = d[at + 1]!;
    }
    if (p.fragment === FRAGMENT.FIRST && p.hasPorts) this.fragments.remember(p, fragmentId);
  }
}
