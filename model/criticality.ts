// Asset criticality: a JSON file mapping CIDR prefixes (or single addresses) to a criticality,
// e.g. {"10.0.0.0/24": "high", "10.0.9.5": "critical"}, or the same as a list of
// {"cidr", "criticality", "name"?} entries (the name labels the asset wherever it is shown). The
// most specific prefix wins.
import { readFileSync } from 'node:fs';
import { ipToBigInt, parsePrefix, prefixContains, type IpPrefix } from './ipPrefix.ts';

export type Criticality = 'low' | 'medium' | 'high' | 'critical';
export const CRITICALITIES: readonly Criticality[] = ['low', 'medium', 'high', 'critical'];

/** What the criticality file says about an address. */
export interface AssetInfo {
  /** the entry that matched */
  cidr: string;
  criticality: Criticality;
  name?: string;
}

export class CriticalityMap {
  private readonly entries: Array<{ prefix: IpPrefix; level: Criticality; cidr: string; name?: string }> = [];

  /** `names`: asset names by the same CIDR keys (from the list form) */
  constructor(map: Record<string, string>, source = 'criticality map', names: Record<string, string> = {}) {
    for (const [cidr, level] of Object.entries(map)) {
      const prefix = parsePrefix(cidr);
      if (!prefix) throw new Error(`${source}: '${cidr}' is not an IP address or CIDR prefix`);
      if (!CRITICALITIES.includes(level as Criticality)) {
        throw new Error(`${source}: '${cidr}' has criticality '${level}'; use one of ${CRITICALITIES.join(', ')}`);
      }
      const name = names[cidr];
      this.entries.push({ prefix, level: level as Criticality, cidr, ...(name !== undefined ? { name } : {}) });
    }
    this.entries.sort((a, b) => b.prefix.bits - a.prefix.bits);
  }

  static fromFile(path: string): CriticalityMap {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`criticality file ${path} cannot be read as JSON: ${(err as Error).message}`);
    }
    if (Array.isArray(parsed)) {
      // the list form: [{"cidr": "10.0.0.0/24", "criticality": "high", "name": "servers"}, …]
      const map: Record<string, string> = {};
      const names: Record<string, string> = {};
      parsed.forEach((e: unknown, i) => {
        const o = e as { cidr?: unknown; criticality?: unknown; name?: unknown };
        if (typeof o?.cidr !== 'string' || typeof o.criticality !== 'string') {
          throw new Error(`criticality file ${path}: entry ${i} needs "cidr" and "criticality" strings`);
        }
        if (o.name !== undefined && (typeof o.name !== 'string' || o.name.length > 128)) {
          throw new Error(`criticality file ${path}: entry ${i}: "name" must be a string of at most 128 characters`);
        }
        map[o.cidr] = o.criticality;
        if (typeof o.name === 'string') names[o.cidr] = o.name;
      });
      return new CriticalityMap(map, path, names);
    }
    if (typeof parsed !== 'object' || parsed === null) {
      throw new Error(`criticality file ${path} must be a JSON object like {"10.0.0.0/24": "high"} or a list of {"cidr", "criticality"}`);
    }
    return new CriticalityMap(parsed as Record<string, string>, path);
  }

  lookup(ip: string | undefined): Criticality | null {
    return this.asset(ip)?.criticality ?? null;
  }

  /** The most specific entry covering `ip`: its criticality and asset name. */
  asset(ip: string | undefined): AssetInfo | null {
    if (!ip) return null;
    const v = ipToBigInt(ip);
    if (!v) return null;
    for (const e of this.entries) {
      if (prefixContains(e.prefix, v)) return { cidr: e.cidr, criticality: e.level, ...(e.name !== undefined ? { name: e.name } : {}) };
    }
    return null;
  }
}
