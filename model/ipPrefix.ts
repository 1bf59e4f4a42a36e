// IPv4/IPv6 addresses and CIDR prefixes as bigints, for IOC lists and criticality maps.
import { isIPv4, isIPv6 } from 'node:net';

export interface IpPrefix {
  v6: boolean;
  /** network address with host bits cleared */
  network: bigint;
  bits: number;
  text: string;
}

export function ipToBigInt(ip: string): { v6: boolean; value: bigint } | null {
  if (isIPv4(ip)) {
    const p = ip.split('.');
    return { v6: false, value: BigInt(((+p[0]! << 24) >>> 0) + (+p[1]! << 16) + (+p[2]! << 8) + +p[3]!) };
  }
  if (!isIPv6(ip)) return null;
  let addr = ip.toLowerCase();
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4tail) {
    const v = ipToBigInt(v4tail[1]!)!.value;
    addr = addr.slice(0, -v4tail[1]!.length) + `${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head, tail] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(parseInt(g || '0', 16));
  return { v6: true, value };
}

export function parsePrefix(text: string): IpPrefix | null {
  const [addr, len] = text.split('/');
  const ip = ipToBigInt(addr ?? '');
  if (!ip) return null;
  const width = ip.v6 ? 128 : 32;
  const bits = len === undefined ? width : Number(len);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return null;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  return { v6: ip.v6, network: ip.value & mask, bits, text };
}

export function prefixContains(p: IpPrefix, ip: { v6: boolean; value: bigint }): boolean {
  if (p.v6 !== ip.v6) return false;
  const width = p.v6 ? 128 : 32;
  const mask = p.bits === 0 ? 0n : ((1n << BigInt(p.bits)) - 1n) << BigInt(width - p.bits);
  return (ip.value & mask) === p.network;
}

/**
 * The two networks an address is judged by: v4 its /24 and /16, v6 its /48 and /32, as CIDR text
 * ("203.0.113.0/24"); null when `ip` is not an address.
 */
export function networksOf(ip: string): { narrow: string; wide: string } | null {
  if (isIPv4(ip)) {
    const a = ip.split('.');
    return { narrow: `${a[0]}.${a[1]}.${a[2]}.0/24`, wide: `${a[0]}.${a[1]}.0.0/16` };
  }
  const v = ipToBigInt(ip);
  if (!v) return null;
  const text = (bits: number): string => {
    const net = (v.value >> BigInt(128 - bits)) << BigInt(128 - bits);
    const groups: string[] = [];
    for (let i = 0; i < bits / 16; i++) groups.push(((net >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
    return `${groups.join(':')}::/${bits}`;
  };
  return { narrow: text(48), wide: text(32) };
}
