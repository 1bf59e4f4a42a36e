// The rule a false-positive verdict proposes: the narrowest scope that still covers the same
// benign cause next time. The analyst accepts it as it is or edits it (POST /suppressions).
import { isIPv4, isIPv6 } from 'node:net';
import type { Anomaly, RuleScope } from '../../model/index.ts';

/** How long a proposed rule lasts unless the analyst changes it: long enough for the next retraining. */
export const PROPOSED_RULE_MS = 30 * 86_400_000;

export interface ProposedRule {
  scope: RuleScope;
  reason: string;
  expiresAt: number;
  anomalyId: string;
}

/**
 * The registered domain, approximated as the last two labels (three when the second-level label is
 * a short public-suffix-like one such as co.uk): a reputation service's random names vary below it.
 */
export function registeredDomain(name: string): string {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.').filter(Boolean);
  if (labels.length <= 2) return labels.join('.');
  const second = labels[labels.length - 2]!;
  const keep = second.length <= 3 && ['co', 'com', 'net', 'org', 'gov', 'ac', 'edu'].includes(second) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/** /24 for IPv4, /48 for IPv6: the block a provider rotates addresses within. */
export function networkOf(address: string): string | undefined {
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(address)) {
    const head = address.toLowerCase().split('::')[0]!.split(':');
    const groups = [...head, '0', '0', '0'].slice(0, 3).map((g) => g || '0');
    return `${groups.join(':')}::/48`;
  }
  return undefined;
}

function scopeFor(a: Anomaly): RuleScope {
  const s = a.subject;
  switch (a.kind) {
    // names under one domain, from whichever client (a resolver forwards everyone's queries)
    case 'dns-tunnel':
      return s.domain !== undefined ? { kind: a.kind, domain: registeredDomain(s.domain) } : { kind: a.kind, ...(s.localHost ? { host: s.localHost } : {}) };
    // a provider's block that the network uses (cloud sync to rotating addresses)
    case 'new-destination': {
      const net = s.remote !== undefined ? networkOf(s.remote) : undefined;
      return net !== undefined ? { kind: a.kind, prefix: net } : { kind: a.kind, ...(s.localHost ? { host: s.localHost } : {}) };
    }
    // a periodic service: the same remote from any host
    case 'beaconing':
      return s.remote !== undefined ? { kind: a.kind, remote: s.remote } : { kind: a.kind, ...(s.localHost ? { host: s.localHost } : {}) };
    // an indicator that matched benign traffic: that indicator only
    case 'threat-intel':
      return s.domain !== undefined ? { kind: a.kind, domain: s.domain } : s.remote !== undefined ? { kind: a.kind, remote: s.remote } : { kind: a.kind };
    // host behaviour (spikes, scans, silence, errors, deviation): that host and kind
    default:
      return s.localHost !== undefined ? { kind: a.kind, host: s.localHost } : { kind: a.kind };
  }
}

export function proposeRule(a: Anomaly, note: string | undefined, now: number): ProposedRule {
  return {
    scope: scopeFor(a),
    reason: `false positive: ${note !== undefined && note.trim() !== '' ? note.trim() : a.summary}`.slice(0, 1000),
    expiresAt: now + PROPOSED_RULE_MS,
    anomalyId: a.id,
  };
}
