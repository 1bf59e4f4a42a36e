// Passive DNS: which names DNS answers on the wire gave an address. Bounded: the least recently
// answered addresses are forgotten first (a Map keeps insertion order; an answer moves its
// address to the end). Names are packet text: untrusted, already escaped by the DNS decoder.

export interface PassiveDnsEntry {
  address: string;
  /** the names asked for when this address was answered, most recent first (at most 4) */
  names: string[];
  /** event time (ms) of the latest answer */
  lastSeen: number;
}

const NAMES_PER_ADDRESS = 4;

export const DEFAULT_PASSIVE_DNS_CAPACITY = 65_536;

export class PassiveDnsNames {
  private readonly entries = new Map<string, PassiveDnsEntry>();
  /** addresses forgotten to stay within capacity */
  evicted = 0;

  constructor(readonly capacity = DEFAULT_PASSIVE_DNS_CAPACITY) {
    if (!(capacity >= 1)) throw new Error(`the passive DNS table needs room for at least one address (got ${capacity})`);
  }

  /** Records that an answer for `name` gave `address` at `tsMs`. */
  learn(address: string, name: string, tsMs: number): void {
    if (name === '') return;
    let e = this.entries.get(address);
    if (e === undefined) {
      e = { address, names: [name], lastSeen: tsMs };
      if (this.entries.size >= this.capacity) {
        this.entries.delete(this.entries.keys().next().value as string);
        this.evicted++;
      }
    } else {
      this.entries.delete(address);
      if (e.names[0] !== name) {
        const i = e.names.indexOf(name);
        if (i >= 0) e.names.splice(i, 1);
        e.names.unshift(name);
        if (e.names.length > NAMES_PER_ADDRESS) e.names.length = NAMES_PER_ADDRESS;
      }
      if (tsMs > e.lastSeen) e.lastSeen = tsMs;
    }
    this.entries.set(address, e);
  }

  /** The most recent name answered for `address`. */
  nameOf(address: string | undefined): string | undefined {
    return address === undefined ? undefined : this.entries.get(address)?.names[0];
  }

  entry(address: string): PassiveDnsEntry | undefined {
    const e = this.entries.get(address);
    return e && { address: e.address, names: [...e.names], lastSeen: e.lastSeen };
  }

  /** Addresses one of whose names is `name` or ends in `.name` (a domain search), most recent first, at most `limit`. */
  addressesOf(name: string, limit: number): PassiveDnsEntry[] {
    const suffix = `.${name}`;
    const out: PassiveDnsEntry[] = [];
    for (const e of [...this.entries.values()].reverse()) {
      if (e.names.some((n) => n === name || n.endsWith(suffix))) out.push({ address: e.address, names: [...e.names], lastSeen: e.lastSeen });
      if (out.length >= limit) break;
    }
    return out;
  }

  get size(): number {
    return this.entries.size;
  }
}
