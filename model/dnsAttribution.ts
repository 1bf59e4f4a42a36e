// Who really asked a DNS name. A local resolver that forwards its clients' queries upstream shows
// up on the wire as a second asker of every name a client asked (and as a second receiver of its
// NXDOMAIN answers). Counting both would file a client's tunnel or NXDOMAIN storm under the
// resolver, twice. Resolvers are learned from the traffic itself — local hosts that receive DNS
// flows (port 53) from other local hosts — and a resolver's copy of a name that a client asked
// within the last few seconds is dropped: the client's own entry carries the event. Names a
// resolver asks with no visible client stay under the resolver (clients on an unseen segment).
import type { DnsName, WindowStats } from '../capture/index.ts';

/** A forwarded copy follows the client's query by milliseconds; this covers a window boundary and slow upstreams. */
export const FORWARD_MATCH_MS = 5_000;
const DNS_PORT = 53;
const MAX_RESOLVERS = 4_096;
const MAX_RECENT_NAMES = 100_000;

export class DnsAttribution {
  private readonly resolverSet: Set<string>;
  /** lower-cased name → last time a non-resolver local client asked it (insertion order ≈ time order) */
  private readonly recent = new Map<string, number>();
  private readonly out: DnsName[] = [];

  constructor(resolvers: readonly string[] = []) {
    this.resolverSet = new Set(resolvers);
  }

  get resolvers(): string[] {
    return [...this.resolverSet].sort();
  }

  /** Adds resolvers learned before (a restart restores what the running sensor had learned), within the cap. */
  restoreResolvers(list: readonly string[]): void {
    for (const r of list) if (this.resolverSet.size < MAX_RESOLVERS) this.resolverSet.add(r);
  }

  isResolver(host: string): boolean {
    return this.resolverSet.has(host);
  }

  /**
   * The window's DNS names with resolvers' forwarded copies removed. The returned array is reused
   * by the next call.
   */
  clientNames(w: WindowStats): readonly DnsName[] {
    for (const f of w.flowStarts) {
      if (f.direction === 'internal' && f.port === DNS_PORT && f.remote !== f.local && !this.resolverSet.has(f.remote) && this.resolverSet.size < MAX_RESOLVERS) {
        this.resolverSet.add(f.remote);
      }
    }
    const out = this.out;
    out.length = 0;
    if (w.dns.names.length === 0) return out;
    const now = w.start;
    for (const d of w.dns.names) {
      if (this.resolverSet.has(d.client)) continue;
      const key = d.name.toLowerCase();
      this.recent.delete(key);
      this.recent.set(key, now);
    }
    for (const d of w.dns.names) {
      if (this.resolverSet.has(d.client)) {
        const askedAt = this.recent.get(d.name.toLowerCase());
        if (askedAt !== undefined && now - askedAt <= FORWARD_MATCH_MS) continue;
      }
      out.push(d);
    }
    for (const [name, at] of this.recent) {
      if (now - at <= FORWARD_MATCH_MS && this.recent.size <= MAX_RECENT_NAMES) break;
      this.recent.delete(name);
    }
    return out;
  }
}
