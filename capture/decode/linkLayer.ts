// Link-layer headers: finds where the network layer starts and which EtherType it carries.
import type { DecodedPacket } from './decodedPacket.ts';

export const ETHERTYPE = { IPV4: 0x0800, IPV6: 0x86dd, ARP: 0x0806 } as const;

/** Link types this decoder reads (LINKTYPE_* values as written in pcap/pcapng headers). */
export const SUPPORTED_LINK_TYPES: readonly number[] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];

/** Result of a link-layer decode that found no network layer it could read. */
export const LINK_TRUNCATED = -1;
export const LINK_UNSUPPORTED = -2;

function isVlanTag(t: number): boolean {
  return t === 0x8100 || t === 0x88a8 || t === 0x9100;
}

/** Skips 802.1Q/QinQ tags starting at the EtherType field at `off`; returns the final EtherType's offset. */
function skipVlanTags(data: Uint8Array, off: number, end: number, p: DecodedPacket): number {
  while (off + 2 <= end) {
    const t = (data[off]! << 8) | data[off + 1]!;
    if (!isVlanTag(t)) return off;
    if (off + 6 > end) return LINK_TRUNCATED;
    p.vlan = ((data[off + 2]! << 8) | data[off + 3]!) & 0x0fff;
    off += 4;
  }
  return LINK_TRUNCATED;
}

function ipVersionEtherType(data: Uint8Array, off: number, end: number): number {
  if (off >= end) return 0;
  const v = data[off]! >> 4;
  return v === 4 ? ETHERTYPE.IPV4 : v === 6 ? ETHERTYPE.IPV6 : 0;
}

/** BSD loopback address families: AF_INET is 2 everywhere; AF_INET6 is 24 (Net/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux). */
function nullFamilyEtherType(family: number): number {
  if (family === 2) return ETHERTYPE.IPV4;
  if (family === 24 || family === 28 || family === 30 || family === 10) return ETHERTYPE.IPV6;
  return 0;
}

/**
 * Decodes the link layer of the frame in `data[at, end)` under `linkType`; sets `p.etherType` (0 when
 * the payload is not a protocol with an EtherType) and returns the offset in `data` of the network
 * header, or LINK_TRUNCATED / LINK_UNSUPPORTED.
 */
export function decodeLinkLayer(data: Uint8Array, at: number, end: number, linkType: number, p: DecodedPacket): number {
  const n = end - at;
  switch (linkType) {
    case 1: {
      if (n < 14) return LINK_TRUNCATED;
      const direct = (data[at + 12]! << 8) | data[at + 13]!;
      if (!isVlanTag(direct)) {
        p.etherType = direct >= 0x0600 ? direct : 0; // values up to 1500 are 802.3 lengths (LLC frames)
        return at + 14;
      }
      const off = skipVlanTags(data, at + 12, end, p);
      if (off < 0) return off;
      const t = (data[off]! << 8) | data[off + 1]!;
      p.etherType = t >= 0x0600 ? t : 0; // values up to 1500 are 802.3 lengths (LLC frames)
      return off + 2;
    }
    case 113: {
      if (n < 16) return LINK_TRUNCATED;
      const off = skipVlanTags(data, at + 14, end, p);
      if (off < 0) return off;
      const t = (data[off]! << 8) | data[off + 1]!;
      p.etherType = t >= 0x0600 ? t : 0;
      return off + 2;
    }
    case 276: {
      if (n < 20) return LINK_TRUNCATED;
      const t = (data[at]! << 8) | data[at + 1]!;
      p.etherType = t >= 0x0600 ? t : 0;
      if (isVlanTag(t)) {
        // a tag the kernel did not strip: the payload starts with its TCI, then the next EtherType
        if (n < 24) return LINK_TRUNCATED;
        p.vlan = ((data[at + 20]! << 8) | data[at + 21]!) & 0x0fff;
        const off = skipVlanTags(data, at + 22, end, p);
        if (off < 0) return off;
        const inner = (data[off]! << 8) | data[off + 1]!;
        p.etherType = inner >= 0x0600 ? inner : 0;
        return off + 2;
      }
      return at + 20;
    }
    case 12:
    case 14:
    case 101:
      p.etherType = ipVersionEtherType(data, at, end);
      return n === 0 ? LINK_TRUNCATED : at;
    case 228:
      p.etherType = ETHERTYPE.IPV4;
      return at;
    case 229:
      p.etherType = ETHERTYPE.IPV6;
      return at;
    case 0: {
      if (n < 4) return LINK_TRUNCATED;
      // host byte order of the machine that wrote the file: accept either
      const le = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
      const be = (data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!;
      p.etherType = nullFamilyEtherType(le) || nullFamilyEtherType(be);
      return at + 4;
    }
    case 108: {
      if (n < 4) return LINK_TRUNCATED;
      p.etherType = nullFamilyEtherType((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!);
      return at + 4;
    }
    default:
      return LINK_UNSUPPORTED;
  }
}
