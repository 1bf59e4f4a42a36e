// Suppressions in `<var>/suppressions.json`: an anomaly matching an active one is marked suppressed
// (kept, shown, streamed) but not alerted.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { matchingRule, type Anomaly } from '../../model/index.ts';
import type { Suppression } from '../protocol.ts';

export class SuppressionStore {
  private items: Suppression[] = [];

  constructor(readonly file: string) {
    if (existsSync(file)) {
      try {
        const parsed = JSON.parse(readFileSync(file, 'utf8')) as { suppressions?: Suppression[] };
        this.items = Array.isArray(parsed.suppressions) ? parsed.suppressions : [];
      } catch (err) {
        throw new Error(`suppressions file ${file} is not valid JSON (${(err as Error).message}); fix or remove it`);
      }
    }
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ suppressions: this.items }, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  list(now = Date.now(), includeExpired = false): Suppression[] {
    return includeExpired ? [...this.items] : this.items.filter((s) => s.expiresAt > now);
  }

  add(input: Omit<Suppression, 'id' | 'createdAt'>): Suppression {
    const s: Suppression = { ...input, id: randomUUID(), createdAt: Date.now() };
    this.items.push(s);
    this.save();
    return s;
  }

  remove(id: string): Suppression | null {
    const found = this.items.find((s) => s.id === id) ?? null;
    if (!found) return null;
    this.items = this.items.filter((s) => s.id !== id);
    this.save();
    return found;
  }

  /** The first active suppression whose every given scope field matches the anomaly. */
  match(anomaly: Anomaly, now = Date.now()): Suppression | null {
    return matchingRule(this.items, anomaly, now);
  }
}
