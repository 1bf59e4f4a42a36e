// A local indicator-of-compromise list: one indicator per line — an IP address, a CIDR prefix
// or a domain (which also matches its subdomains; a leading `*.` is accepted); `#` starts a comment. The file is re-read
// when its modification time changes, checked at most once a second.
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { ipToBigInt, parsePrefix, prefixContains, type IpPrefix } from './ipPrefix.ts';
import { normaliseName } from './domainNames.ts';

export interface IocEntries {
  addresses: Set<string>;
  prefixes: IpPrefix[];
  domains: Set<string>;
  /** lines that were none of the above, with their line numbers */
  rejected: string[];
}

export function parseIocText(text: string): IocEntries {
  const entries: IocEntries = { addresses: new Set(), prefixes: [], domains: new Set(), rejected: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    if (isIP(line)) {
      entries.addresses.add(line.toLowerCase());
    } else if (line.includes('/')) {
      const p = parsePrefix(line);
      if (p) entries.prefixes.push(p);
      else entries.rejected.push(`line ${i + 1}: '${line}'`);
    } else if (/^(?:\*\.)?[a-z0-9_.-]+\.[a-z0-9-]+\.?$/i.test(line)) {
      entries.domains.add(normaliseName(line).replace(/^\*\./, ''));
    } else {
      entries.rejected.push(`line ${i + 1}: '${line}'`);
    }
  });
  return entries;
}

export class IocList {
  private entries: IocEntries = { addresses: new Set(), prefixes: [], domains: new Set(), rejected: [] };
  private mtimeMs = -1;
  private checkedAt = -Infinity;

  constructor(private readonly path: string, private readonly now: () => number = Date.now) {
    this.reload(true);
  }

  get size(): number {
    return this.entries.addresses.size + this.entries.prefixes.length + this.entries.domains.size;
  }

  get rejected(): readonly string[] {
    return this.entries.rejected;
  }

  /** Re-reads the file if it changed; a vanished or unreadable file keeps the last good list. */
  reload(force = false): void {
    const t = this.now();
    if (!force && t - this.checkedAt < 1000) return;
    this.checkedAt = t;
    let mtime: number;
    try {
      mtime = statSync(this.path).mtimeMs;
    } catch (err) {
      if (force) throw new Error(`IOC list ${this.path} cannot be read: ${(err as Error).message}; check the --ioc path`);
      return;
    }
    if (!force && mtime === this.mtimeMs) return;
    this.mtimeMs = mtime;
    this.entries = parseIocText(readFileSync(this.path, 'utf8'));
  }

  matchAddress(ip: string): string | null {
    if (this.entries.addresses.has(ip.toLowerCase())) return ip;
    if (this.entries.prefixes.length === 0) return null;
    const v = ipToBigInt(ip);
    if (!v) return null;
    for (const p of this.entries.prefixes) if (prefixContains(p, v)) return p.text;
    return null;
  }

  matchDomain(name: string): string | null {
    let n = normaliseName(name);
    for (;;) {
      if (this.entries.domains.has(n)) return n;
      const dot = n.indexOf('.');
      if (dot < 0) return null;
      n = n.slice(dot + 1);
    }
  }
}
