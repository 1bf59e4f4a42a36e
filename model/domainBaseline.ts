// What DNS names are normal per registered domain: for each domain whose clients ask many
// distinct names (antivirus reputation lookups, CDN hashes), the most distinct names one client
// asked within each horizon, learned from training and kept up to date online. Resolvers that ask
// on behalf of unseen clients have their own maxima: their volume is not one client's.
import { DNS_HORIZONS_MS, type DomainCandidate } from './detectors/dnsNameCounter.ts';
import { DecayingMaxima } from './onlineDecay.ts';

export interface DomainBaselineJson {
  /** registered domain → distinct clients seen, and the most distinct names one (non-resolver) client asked per horizon */
  domains: Record<string, { clients: number; max: number[] }>;
  /** `resolver|domain` → the most distinct names that resolver asked per horizon with no client visible */
  resolverDomains: Record<string, number[]>;
}

/** Domains whose maxima stay below this share of every horizon's floor are not worth storing. */
const STORE_SHARE_OF_FLOOR = 0.25;
const MAX_STORED_DOMAINS = 20_000;
const MAX_CLIENTS_TRACKED = 10_000;
/** domains (and resolver pairs) held in memory; later ones are not learned */
const MAX_DOMAINS_TRACKED = 200_000;
const MAX_ONLINE_KEYS = 100_000;

/** `loaded`: clients counted by the model this state came from (their addresses are not stored) */
interface DomainState { loaded: number; clients: Set<string>; max: number[] }

export class DomainBaseline {
  private readonly domains = new Map<string, DomainState>();
  private readonly resolverDomains = new Map<string, number[]>();
  /** maxima raised between retrains (onlineLearning.ts), decaying back to the trained ones */
  private readonly online = new DecayingMaxima(MAX_ONLINE_KEYS);

  constructor(json?: DomainBaselineJson) {
    if (!json) return;
    for (const [d, v] of Object.entries(json.domains)) this.domains.set(d, { loaded: v.clients, clients: new Set(), max: [...v.max] });
    for (const [k, v] of Object.entries(json.resolverDomains)) this.resolverDomains.set(k, [...v]);
  }

  /** The most one client (or, for a resolver, that resolver) asked under this domain per horizon; undefined when never seen. */
  maxFor(client: string, domain: string, resolver: boolean, now: number): readonly number[] | undefined {
    const trained = (resolver ? this.resolverDomains.get(`${client}|${domain}`) : undefined) ?? this.domains.get(domain)?.max;
    const online = this.online.get(onlineKey(client, domain, resolver), now);
    if (!online) return trained;
    return trained ? online.map((v, i) => Math.max(v, trained[i]!)) : online;
  }

  /** Raises the online maxima of `c`'s domain (or resolver pair) to what it showed, at `now`. */
  learnOnline(c: DomainCandidate, resolver: boolean, now: number): void {
    this.online.raise(onlineKey(c.client, c.domain, resolver), c.counts, now);
  }

  /** Distinct clients seen asking under the domain (those after a reload may count twice). */
  clientsOf(domain: string): number {
    const d = this.domains.get(domain);
    return d ? d.loaded + d.clients.size : 0;
  }

  /** Raises the domain's maxima to what `c` shows (training, and online learning from quiet windows). */
  learn(c: DomainCandidate, resolver: boolean): void {
    if (resolver) {
      const key = `${c.client}|${c.domain}`;
      const r = this.resolverDomains.get(key);
      if (r) raise(r, c.counts);
      else if (this.resolverDomains.size < MAX_DOMAINS_TRACKED) this.resolverDomains.set(key, [...c.counts]);
      return;
    }
    let d = this.domains.get(c.domain);
    if (!d) {
      if (this.domains.size >= MAX_DOMAINS_TRACKED) return;
      d = { loaded: 0, clients: new Set(), max: DNS_HORIZONS_MS.map(() => 0) };
      this.domains.set(c.domain, d);
    }
    if (d.clients.size < MAX_CLIENTS_TRACKED) d.clients.add(c.client);
    raise(d.max, c.counts);
  }

  /** The stored form: only domains whose maxima can matter next to the detector's floors. */
  toJson(floors: readonly number[]): DomainBaselineJson {
    const worth = (max: readonly number[]): boolean => max.some((m, i) => m >= STORE_SHARE_OF_FLOOR * floors[i]!);
    const ranked = [...this.domains.entries()]
      .filter(([, d]) => worth(d.max))
      .sort((a, b) => b[1].max[1]! - a[1].max[1]! || (a[0] < b[0] ? -1 : 1))
      .slice(0, MAX_STORED_DOMAINS)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const domains: DomainBaselineJson['domains'] = {};
    for (const [name, d] of ranked) domains[name] = { clients: d.loaded + d.clients.size, max: [...d.max] };
    const resolverDomains: DomainBaselineJson['resolverDomains'] = {};
    for (const [k, v] of [...this.resolverDomains.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) if (worth(v)) resolverDomains[k] = [...v];
    return { domains, resolverDomains };
  }
}

function onlineKey(client: string, domain: string, resolver: boolean): string {
  return resolver ? `${client}|${domain}` : domain;
}

function raise(into: number[], counts: readonly number[]): void {
  for (let i = 0; i < into.length; i++) if (counts[i]! > into[i]!) into[i] = counts[i]!;
}
