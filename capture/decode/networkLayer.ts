// IPv4, IPv6 (with extension headers) and ARP headers.
import { FRAGMENT, NETWORK, type DecodedPacket } from './decodedPacket.ts';

/** A decode that found the header cut short or inconsistent. */
export const NETWORK_MALFORMED = -1;

/**
 * Where the upper-layer payload lies after a network header: `payloadStart` and `payloadEnd`
 * (bounded by both the header's length field and the captured bytes), and the fragment id.
 */
export interface NetworkBounds {
  payloadStart: number;
  payloadEnd: number;
  fragmentId: number;
}

function readU32(d: Uint8Array, o: number): number {
  return ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
}

function setIpv4(w: Uint32Array, addr: number): void {
  w[0] = addr;
  w[1] = 0;
  w[2] = 0;
  w[3] = 0;
}

/** Decodes the IPv4 header at `off` of a packet whose captured bytes end at `end`. */
export function decodeIpv4(d: Uint8Array, off: number, end: number, p: DecodedPacket, out: NetworkBounds): number {
  if (off + 20 > end) return NETWORK_MALFORMED;
  const vihl = d[off]!;
  const ihl = (vihl & 0x0f) * 4;
  if (vihl >> 4 !== 4 || ihl < 20 || off + ihl > end) return NETWORK_MALFORMED;
  p.network = NETWORK.IPV4;
  setIpv4(p.src, readU32(d, off + 12));
  setIpv4(p.dst, readU32(d, off + 16));
  p.proto = d[off + 9]!;
  const total = (d[off + 2]! << 8) | d[off + 3]!;
  // a zero total length is what TCP segmentation offload leaves in locally sent packets
  if (total !== 0 && total < ihl) return NETWORK_MALFORMED;
  const frag = (d[off + 6]! << 8) | d[off + 7]!;
  if ((frag & 0x1fff) !== 0) p.fragment = FRAGMENT.LATER;
  else if ((frag & 0x2000) !== 0) p.fragment = FRAGMENT.FIRST;
  out.fragmentId = (d[off + 4]! << 8) | d[off + 5]!;
  out.payloadStart = off + ihl;
  out.payloadEnd = total === 0 ? end : Math.min(end, off + total);
  return 0;
}

const EXT_HOP_BY_HOP = 0;
const EXT_ROUTING = 43;
const EXT_FRAGMENT = 44;
const EXT_AH = 51;
const EXT_DESTINATION = 60;
const EXT_MOBILITY = 135;
const MAX_EXTENSION_HEADERS = 16;

export function decodeIpv6(d: Uint8Array, off: number, captured: number, p: DecodedPacket, out: NetworkBounds): number {
  if (off + 40 > captured) return NETWORK_MALFORMED;
  if (d[off]! >> 4 !== 6) return NETWORK_MALFORMED;
  p.network = NETWORK.IPV6;
  for (let i = 0; i < 4; i++) {
    p.src[i] = readU32(d, off + 8 + 4 * i);
    p.dst[i] = readU32(d, off + 24 + 4 * i);
  }
  const payloadLen = (d[off + 4]! << 8) | d[off + 5]!;
  // a zero payload length means a jumbogram (or offload): the captured bytes are the bound
  const end = payloadLen === 0 ? captured : Math.min(captured, off + 40 + payloadLen);
  let next = d[off + 6]!;
  let at = off + 40;
  out.fragmentId = 0;
  for (let count = 0; ; count++) {
    if (next !== EXT_HOP_BY_HOP && next !== EXT_ROUTING && next !== EXT_FRAGMENT && next !== EXT_AH
      && next !== EXT_DESTINATION && next !== EXT_MOBILITY) break;
    if (count >= MAX_EXTENSION_HEADERS || at + 8 > end) return NETWORK_MALFORMED;
    const hdrNext = d[at]!;
    let len: number;
    if (next === EXT_FRAGMENT) {
      len = 8;
      const frag = (d[at + 2]! << 8) | d[at + 3]!;
      out.fragmentId = readU32(d, at + 4);
      if ((frag & 0xfff8) !== 0) p.fragment = FRAGMENT.LATER;
      else if ((frag & 1) !== 0) p.fragment = FRAGMENT.FIRST;
    } else if (next === EXT_AH) {
      len = (d[at + 1]! + 2) * 4;
    } else {
      len = (d[at + 1]! + 1) * 8;
    }
    at += len;
    next = hdrNext;
    if (p.fragment === FRAGMENT.LATER) break;
  }
  if (at > end) return NETWORK_MALFORMED;
  p.proto = next;
  out.payloadStart = at;
  out.payloadEnd = end;
  return 0;
}

/** ARP for IPv4 over Ethernet: sender/target protocol addresses go to src/dst. */
export function decodeArp(d: Uint8Array, off: number, end: number, p: DecodedPacket): number {
  if (off + 8 > end) return NETWORK_MALFORMED;
  p.network = NETWORK.ARP;
  p.arpOp = (d[off + 6]! << 8) | d[off + 7]!;
  const hlen = d[off + 4]!;
  const plen = d[off + 5]!;
  if (plen !== 4) {
    setIpv4(p.src, 0);
    setIpv4(p.dst, 0);
    return 0;
  }
  const need = off + 8 + 2 * hlen + 2 * plen;
  if (need > end) return NETWORK_MALFORMED;
  setIpv4(p.src, readU32(d, off + 8 + hlen));
  setIpv4(p.dst, readU32(d, off + 8 + 2 * hlen + plen));
  return 0;
}
