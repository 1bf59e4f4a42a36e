// Shape of a DNS query name: the entropy of the part below the registered domain is what grows
// when data is tunnelled through DNS (long random-looking leftmost labels).

const counts = new Int32Array(256);

/**
 * Shannon entropy (bits per character) of the labels left of the last two ("registered domain",
 * approximated without a public-suffix list), dots excluded; for names of one or two labels, of
 * the first label. 0 for an empty name.
 */
export function subdomainEntropy(name: string): number {
  let end = name.length;
  let dots = 0;
  for (let i = name.length - 1; i >= 0; i--) {
    if (name.charCodeAt(i) === 0x2e && ++dots === 2) {
      end = i;
      break;
    }
  }
  if (dots < 2) {
    const firstDot = name.indexOf('.');
    end = firstDot < 0 ? name.length : firstDot;
  }
  let n = 0;
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < end; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) continue;
    const b = c & 0xff;
    counts[b]!++;
    if (b < lo) lo = b;
    if (b > hi) hi = b;
    n++;
  }
  if (n === 0) return 0;
  // only the codes seen, in ascending order as a full pass would sum them (same rounding); the
  // table is left all zero for the next call
  let h = 0;
  for (let i = lo; i <= hi; i++) {
    const k = counts[i]!;
    if (k > 0) {
      const q = k / n;
      h -= q * Math.log2(q);
      counts[i] = 0;
    }
  }
  return h;
}
