// Asset criticality: a JSON file mapping CIDR prefixes (or single addresses) to a criticality,
// e.g. {"10.0.0.0/24": "high", "10.0.9.5": "critical"}. The most specific prefix wins.
import { readFileSync } from 'node:fs';
import { ipToBigInt, parsePrefix, prefixContains, type IpPrefix } from './ipPrefix.ts';

export type Criticality = 'low' | 'medium' | 'high' | 'critical';
export const CRITICALITIES: readonly Criticality[] = ['low', 'medium', 'high', 'critical'];

export class CriticalityMap {
  private readonly entries: Array<{ prefix: IpPrefix; level: Criticality }> = [];

  constructor(map: Record<string, string>, source = 'criticality map') {
    for (const [cidr, level] of Object.entries(map)) {
      const prefix = parsePrefix(cidr);
      if (!prefix) throw new Error(`${source}: '${cidr}' is not an IP address or CIDR prefix`);
      if (!CRITICALITIES.includes(level as Criticality)) {
        throw new Error(`${source}: '${cidr}' has criticality '${level}'; use one of ${CRITICALITIES.join(', ')}`);
      }
      this.entries.push({ prefix, level: level as Criticality });
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
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`criticality file ${path} must be a JSON object like {"10.0.0.0/24": "high"}`);
    }
    return new CriticalityMap(parsed as Record<string, string>, path);
  }

  lookup(ip: string | undefined): Criticality | null {
    if (!ip) return null;
    const v = ipToBigInt(ip);
    if (!v) return null;
    for (const e of this.entries) if (prefixContains(e.prefix, v)) return e.level;
    return null;
  }
}
