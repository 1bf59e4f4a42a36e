// Suppressions in `<var>/suppressions.json`: an anomaly matching an active one is marked suppressed
// (kept, shown, streamed) but not alerted.
// serve and other processes may both change the file: changes are made under its lock, on the
// content as it is on disk, and written atomically.
import { randomUUID } from 'node:crypto';
import { matchingRule, type Anomaly } from '../../model/index.ts';
import { SharedJsonFile, fileVersion } from '../files/sharedJsonFile.ts';
import type { Suppression } from '../protocol.ts';

function decodeSuppressions(file: string, raw: unknown): Suppression[] {
  const list = (raw as { suppressions?: unknown } | null)?.suppressions;
  if (!Array.isArray(list)) throw new Error(`suppressions file ${file} has no "suppressions" array; fix or remove it`);
  return list as Suppression[];
}

export class SuppressionStore {
  private items: Suppression[] = [];
  private loadedVersion = '';
  private checkedAt = 0;
  private readonly shared: SharedJsonFile<Suppression[]>;

  constructor(readonly file: string) {
    this.shared = new SharedJsonFile(file, (raw) => decodeSuppressions(file, raw), () => [], (suppressions) => ({ suppressions }));
    const first = this.shared.read();
    this.items = first.value;
    this.loadedVersion = first.version;
  }

  /** Changes another process made to the file are picked up at most a second late. */
  private refresh(now = Date.now()): void {
    if (now - this.checkedAt < 1_000) return;
    this.checkedAt = now;
    if (fileVersion(this.file) === this.loadedVersion) return;
    try {
      const s = this.shared.read();
      this.items = s.value;
      this.loadedVersion = s.version;
    } catch {
      // a broken file keeps the suppressions already loaded
    }
  }

  /** Re-reads the file under its lock, applies the change and writes it atomically. */
  private change<R>(fn: (items: Suppression[]) => { next: Suppression[]; result: R } | null): R | null {
    const { snapshot, result } = this.shared.update(fn);
    this.items = snapshot.value;
    this.loadedVersion = snapshot.version;
    return result;
  }

  list(now = Date.now(), includeExpired = false): Suppression[] {
    this.refresh();
    return includeExpired ? [...this.items] : this.items.filter((s) => s.expiresAt > now);
  }

  add(input: Omit<Suppression, 'id' | 'createdAt'>): Suppression {
    const s: Suppression = { ...input, id: randomUUID(), createdAt: Date.now() };
    this.change((items) => ({ next: [...items, s], result: s }));
    return s;
  }

  remove(id: string): Suppression | null {
    return this.change((items) => {
      const found = items.find((s) => s.id === id);
      return found ? { next: items.filter((s) => s !== found), result: found } : null;
    });
  }

  /** The first active suppression whose every given scope field matches the anomaly. */
  match(anomaly: Anomaly, now = Date.now()): Suppression | null {
    this.refresh(now);
    return matchingRule(this.items, anomaly, now);
  }
}
