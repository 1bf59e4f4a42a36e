// DNS name helpers: the registered domain a name belongs to, and how random its labels look.
// Registered domains come from the Public Suffix List through `tldts` (ICANN section only: the
// private section would make every `<hash>.cloudfront.net` a domain of its own, hiding both the
// CDN's normal hash names and a tunnel under it).
import { parse } from 'tldts';

export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Top-level domains are letters (or punycode); a last label with digits means the name is not under a real domain. */
const REAL_TLD = /^(?:[a-z]{2,24}|xn--[a-z0-9-]+)$/;
/** Reverse lookups group under their zone, not under one octet of the address. */
const REVERSE_ZONES = ['in-addr.arpa', 'ip6.arpa'];

/** "a.b.example.co.uk" → "example.co.uk"; "x.example.com" → "example.com"; an unknown TLD keeps its last two labels. */
export function registeredDomain(name: string): string {
  const n = normaliseName(name);
  for (const zone of REVERSE_ZONES) if (n === zone || n.endsWith(`.${zone}`)) return zone;
  const labels = n.split('.');
  if (labels.length <= 2) return n;
  const parsed = parse(n, { extractHostname: false, validateHostname: false });
  if (parsed.domain && parsed.isIcann) return parsed.domain;
  return labels.slice(-2).join('.');
}

/** The part of a name below its registered domain ("" when there is none). */
export function subdomainPart(name: string): string {
  const n = normaliseName(name);
  const reg = registeredDomain(n);
  return n.length > reg.length ? n.slice(0, n.length - reg.length - 1) : '';
}

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
  const domain = registeredDomain(n);
  return { domain, sub: n.length > domain.length ? n.slice(0, n.length - domain.length - 1) : '' };
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
