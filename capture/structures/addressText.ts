// Addresses as text (RFC 5952 for IPv6) and as one number usable as a Map/Set key.

export function ipv4Text(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function ipv6Text(w: ArrayLike<number>): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push(w[i]! >>> 16, w[i]! & 0xffff);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

export function addressText(v6: boolean, w: ArrayLike<number>): string {
  return v6 ? ipv6Text(w) : ipv4Text(w[0]!);
}

const TWO_32 = 0x1_0000_0000;

/**
 * A number identifying an address: the IPv4 value itself (below 2^32), or for IPv6 a 52-bit hash
 * offset above 2^32, so the two families never collide and IPv6 collisions are ~2^-52.
 */
export function addressKey(v6: boolean, w: ArrayLike<number>): number {
  if (!v6) return w[0]!;
  let h1 = 0x811c9dc5;
  let h2 = 0x27d4eb2f;
  for (let i = 0; i < 4; i++) {
    h1 = Math.imul(h1 ^ w[i]!, 0x01000193);
    h2 = Math.imul(h2 ^ w[i]!, 0x165667b1);
    h2 ^= h2 >>> 13;
  }
  return TWO_32 + ((h1 >>> 0) % 0x100000) * TWO_32 + (h2 >>> 0);
}
