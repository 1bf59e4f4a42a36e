// Search by what an analyst types: an IP address (v4 or v6), a CIDR prefix, or a domain (the
// name itself or any name under it). Matches the local host, the remote and the queried domain
// of a finding; a remote given as a prefix (a sweep of a /24) matches the addresses inside it.
import { ipToBigInt, parsePrefix, prefixContains, type AnomalySubject } from '../../model/index.ts';

export type SubjectMatcher = (subject: AnomalySubject) => boolean;

export function subjectMatcher(query: string): SubjectMatcher {
  const q = query.trim().toLowerCase();
  if (!q) return () => true;
  const asAddress = ipToBigInt(q);
  const prefix = q.includes('/') ? parsePrefix(q) : null;
  if (prefix) {
    return (s) => [s.localHost, s.remote].some((v) => {
      if (!v) return false;
      const ip = ipToBigInt(v);
      return ip ? prefixContains(prefix, ip) : v.toLowerCase() === q;
    });
  }
  if (asAddress) {
    return (s) => [s.localHost, s.remote].some((v) => {
      if (!v) return false;
      if (v.includes('/')) { const p = parsePrefix(v); return p ? prefixContains(p, asAddress) : false; }
      const ip = ipToBigInt(v);
      return !!ip && ip.v6 === asAddress.v6 && ip.value === asAddress.value;
    });
  }
  const name = q.replace(/\.$/, '');
  return (s) => {
    const d = s.domain?.toLowerCase().replace(/\.$/, '');
    return !!d && (d === name || d.endsWith(`.${name}`));
  };
}
