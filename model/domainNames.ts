// DNS name helpers: the registered domain a name belongs to, and how random its labels look.

/** Second-level labels under which registrations happen one level deeper (example.co.uk). */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'ac', 'edu', 'ne', 'or', 'go']);

export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** "a.b.example.co.uk" → "example.co.uk"; "x.example.com" → "example.com". */
export function registeredDomain(name: string): string {
  const labels = normaliseName(name).split('.');
  if (labels.length <= 2) return labels.join('.');
  const tld = labels[labels.length - 1]!;
  const sld = labels[labels.length - 2]!;
  const take = tld.length === 2 && SECOND_LEVEL.has(sld) ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** The part of a name below its registered domain ("" when there is none). */
export function subdomainPart(name: string): string {
  const n = normaliseName(name);
  const reg = registeredDomain(n);
  return n.length > reg.length ? n.slice(0, n.length - reg.length - 1) : '';
}

/** Top-level domains are letters (or punycode); a last label with digits means the name is not under a real domain. */
const REAL_TLD = /^(?:[a-z]{2,24}|xn--[a-z0-9-]+)$/;

/**
 * The domain a name is grouped under and the part carrying the data. Names under a real TLD split
 * at their registered domain; names that end in data (`dnscat.<hex>.<hex>`, a tunnel talking
 * straight to its server) group under their first label.
 */
export function splitName(name: string): { domain: string; sub: string } {
  const n = normaliseName(name);
  const labels = n.split('.');
  if (labels.length >= 2 && !REAL_TLD.test(labels[labels.length - 1]!)) {
    return { domain: labels[0]!, sub: labels.slice(1).join('.') };
  }
  return { domain: registeredDomain(n), sub: subdomainPart(n) };
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  if (!text) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / text.length;
    h -= p * Math.log2(p);
  }
  return h;
}
