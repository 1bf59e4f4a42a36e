// Re-wraps an Ethernet frame in another link layer, so one builder covers every link type.
import { concatBytes, readU16, writeU16, writeU32 } from './craftBytes.ts';
import { etherTypeOffset } from './craftIpExtras.ts';

export const LINKTYPE = { NULL: 0, ETHERNET: 1, RAW: 101, LINUX_SLL: 113, IPV4: 228, IPV6: 229, LINUX_SLL2: 276 } as const;

/** BSD loopback address family for IPv6 as written by macOS (NetBSD/OpenBSD use 24, FreeBSD 28). */
const AF_INET6_DARWIN = 30;

/**
 * Ethernet frame → the same packet under `linkType`: SLL (113), SLL2 (276), raw IP (101/228/229),
 * NULL/loopback (0, host byte order little-endian), or Ethernet (1, unchanged). VLAN tags are
 * dropped for every link type but Ethernet.
 */
export function relink(ethernetFrame: Uint8Array, linkType: number): Uint8Array {
  if (linkType === LINKTYPE.ETHERNET) return ethernetFrame;
  const et = etherTypeOffset(ethernetFrame);
  const etherType = readU16(ethernetFrame, et);
  const payload = ethernetFrame.subarray(et + 2);
  const srcMac = ethernetFrame.subarray(6, 12);
  const isIp = etherType === 0x0800 || etherType === 0x86dd;
  switch (linkType) {
    case LINKTYPE.LINUX_SLL: {
      const h = new Uint8Array(16);
      writeU16(h, 0, 0); // packet addressed to this host
      writeU16(h, 2, 1); // ARPHRD_ETHER
      writeU16(h, 4, 6);
      h.set(srcMac, 6);
      writeU16(h, 14, etherType);
      return concatBytes([h, payload]);
    }
    case LINKTYPE.LINUX_SLL2: {
      const h = new Uint8Array(20);
      writeU16(h, 0, etherType);
      writeU32(h, 4, 2); // interface index
      writeU16(h, 8, 1);
      h[10] = 0;
      h[11] = 6;
      h.set(srcMac, 12);
      return concatBytes([h, payload]);
    }
    case LINKTYPE.RAW:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6: {
      if (!isIp) throw new Error(`relink: link type ${linkType} carries only IP, not EtherType 0x${etherType.toString(16)}`);
      if (linkType === LINKTYPE.IPV4 && etherType !== 0x0800) throw new Error('relink: link type 228 carries only IPv4');
      if (linkType === LINKTYPE.IPV6 && etherType !== 0x86dd) throw new Error('relink: link type 229 carries only IPv6');
      return Uint8Array.from(payload);
    }
    case LINKTYPE.NULL: {
      if (!isIp) throw new Error(`relink: NULL/loopback carries only IP, not EtherType 0x${etherType.toString(16)}`);
      const h = new Uint8Array(4);
      h[0] = etherType === 0x0800 ? 2 : AF_INET6_DARWIN;
      return concatBytes([h, payload]);
    }
    default:
      throw new Error(`relink: link type ${linkType} is not supported; use one of ${Object.values(LINKTYPE).join(', ')}`);
  }
}
