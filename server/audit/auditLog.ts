// The append-only audit log (`<var>/audit.log`): one JSON line per entry, hash-chained, appended
// one at a time and fsync'd before the append resolves.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEntry, AuditVerifyResult } from '../protocol.ts';
import { GENESIS_HASH, entryHash, parseAuditText, verifyAuditText } from './auditChain.ts';

const TAIL_BYTES = 64 * 1024;

/** The last entry of the log, read from its tail (another process may have appended meanwhile). */
function lastEntry(file: string): AuditEntry | null {
  if (!existsSync(file)) return null;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const entries = parseAuditText(buf.toString('utf8').split('\n').slice(size > len ? 1 : 0).join('\n'));
    return entries[entries.length - 1] ?? null;
  } finally {
    closeSync(fd);
  }
}

export interface AuditInput {
  user: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

export class AuditLog {
  private tail: Promise<unknown> = Promise.resolve();
  private cache: { size: number; entries: AuditEntry[] } = { size: 0, entries: [] };

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  /** Appends one entry; concurrent calls are serialized so the chain stays linear. */
  append(input: AuditInput): Promise<AuditEntry> {
    const run = this.tail.then(() => this.write(input));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async write(input: AuditInput): Promise<AuditEntry> {
    const last = lastEntry(this.file);
    const body = {
      seq: (last?.seq ?? 0) + 1,
      time: new Date().toISOString(),
      user: input.user,
      action: input.action,
      target: input.target,
      details: input.details ?? {},
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    const entry: AuditEntry = { ...body, hash: entryHash(body) };
    const fh = await open(this.file, 'a', 0o600);
    try {
      await fh.appendFile(JSON.stringify(entry) + '\n', 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    return entry;
  }

  async entries(filter?: { target?: string; user?: string; action?: string }): Promise<AuditEntry[]> {
    await this.tail;
    const all = await this.readAll();
    if (!filter) return [...all];
    return all.filter((e) => (!filter.target || e.target === filter.target)
      && (!filter.user || e.user === filter.user) && (!filter.action || e.action === filter.action));
  }

  /**
   * Every entry, parsed. The log only grows, so only the bytes appended since the last call are
   * read; a file that shrank (or was replaced) is read again from the start.
   */
  private async readAll(): Promise<AuditEntry[]> {
    if (!existsSync(this.file)) {
      this.cache = { size: 0, entries: [] };
      return [];
    }
    const fh = await open(this.file, 'r');
    try {
      const { size } = await fh.stat();
      if (size < this.cache.size) this.cache = { size: 0, entries: [] };
      if (size > this.cache.size) {
        const buf = Buffer.alloc(size - this.cache.size);
        await fh.read(buf, 0, buf.length, this.cache.size);
        const text = buf.toString('utf8');
        const complete = text.lastIndexOf('\n') + 1;
        this.cache = { size: this.cache.size + Buffer.byteLength(text.slice(0, complete)), entries: [...this.cache.entries, ...parseAuditText(text.slice(0, complete))] };
      }
      return this.cache.entries;
    } finally {
      await fh.close();
    }
  }

  async verify(): Promise<AuditVerifyResult> {
    await this.tail;
    if (!existsSync(this.file)) return { ok: true, entries: 0 };
    return verifyAuditText(await readFile(this.file, 'utf8'));
  }
}
