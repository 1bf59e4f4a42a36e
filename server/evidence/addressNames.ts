// Names for addresses, wherever the server shows one: passive DNS learned from the windows'
// `dns.answers` (every sensor's, in-process or forwarded), and for local hosts the asset name and
// criticality from the criticality file.
import { PassiveDnsNames, type WindowStats } from '../../capture/index.ts';
import type { AssetInfo, CriticalityMap } from '../../model/index.ts';

export interface AddressDescription {
  ip: string;
  /** names DNS answers on the wire gave it, most recent first (untrusted text) */
  names: string[];
  /** event time (ms) of the latest such answer */
  lastSeen?: number;
  /** the criticality file's entry covering it */
  asset?: AssetInfo;
}

export class AddressNames {
  readonly dns: PassiveDnsNames;

  constructor(private readonly assets: CriticalityMap | null, capacity?: number) {
    this.dns = new PassiveDnsNames(capacity);
  }

  learn(w: WindowStats): void {
    const answers = w.dns.answers;
    if (answers === undefined) return;
    for (const a of answers) {
      if (typeof a?.address === 'string' && typeof a.name === 'string' && a.address.length <= 64 && a.name.length <= 1024) {
        this.dns.learn(a.address, a.name, w.start);
      }
    }
  }

  nameOf(ip: string | undefined): string | undefined {
    return this.dns.nameOf(ip);
  }

  /** The asset name the criticality file gives `ip`. */
  assetName(ip: string): string | undefined {
    return this.assets?.asset(ip)?.name;
  }

  describe(ip: string): AddressDescription {
    const e = this.dns.entry(ip);
    const out: AddressDescription = { ip, names: e?.names ?? [] };
    if (e) out.lastSeen = e.lastSeen;
    const asset = this.assets?.asset(ip);
    if (asset) out.asset = asset;
    return out;
  }

  /** Addresses answered for `name` or a subdomain of it, most recent first. */
  byName(name: string, limit: number): AddressDescription[] {
    return this.dns.addressesOf(name.toLowerCase().replace(/\.$/, ''), limit).map((e) => this.describe(e.address));
  }
}
