// The audit log (`<var>/audit.log`) as a ledger: one JSON line per entry, chained by HMAC under a
// key kept outside the log (see auditKey.ts). serve and the command line both append: every append
// takes the log's lock file, reads the head, writes its line with one write() and fsyncs it before
// releasing the lock, so the chain stays linear across processes. A crash mid-append can leave a
// torn last line: the next open (append or verify) moves it to `<log>.torn`, truncates the log to
// its last complete line and records an `audit.repair` entry saying so.
import {
  closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync,
} from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { withFileLockSync } from '../../store/index.ts';
import type { AuditAnchor, AuditEntry, AuditVerifyResult } from '../protocol.ts';
import { GENESIS_HASH, parseAuditText, sealEntry, verifyAuditText } from './auditChain.ts';
import { loadOrCreateAuditKey, readAuditKey, type AuditKey } from './auditKey.ts';

const TAIL_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** The last entry of the log, read from its tail. Call under the lock. */
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

/** Where the last complete line ends (just after its newline); 0 when there is none. */
function endOfLastLine(fd: number, size: number): number {
  const chunk = Buffer.alloc(Math.min(size, TAIL_BYTES));
  let end = size;
  while (end > 0) {
    const len = Math.min(chunk.length, end);
    readSync(fd, chunk, 0, len, end - len);
    const i = chunk.subarray(0, len).lastIndexOf(NEWLINE);
    if (i >= 0) return end - len + i + 1;
    end -= len;
  }
  return 0;
}

function writeWhole(fd: number, data: Buffer, what: string): void {
  const n = writeSync(fd, data);
  if (n !== data.length) throw new Error(`short write to ${what} (${n} of ${data.length} bytes); check free space`);
}

export interface AuditInput {
  user: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

export interface AuditLogOptions {
  /** the HMAC key (default audit.key beside the log) */
  keyFile?: string;
  /** told when a torn last line was repaired */
  warn?: (message: string) => void;
}

export class AuditLog {
  readonly keyFile: string;
  readonly tornFile: string;
  private readonly lockFile: string;
  private key: AuditKey | null = null;
  private cache: { size: number; entries: AuditEntry[] } = { size: 0, entries: [] };

  constructor(readonly file: string, private readonly opts: AuditLogOptions = {}) {
    mkdirSync(dirname(file), { recursive: true });
    this.keyFile = opts.keyFile ?? join(dirname(file), 'audit.key');
    this.tornFile = `${file}.torn`;
    this.lockFile = `${file}.lock`;
  }

  /** Appends one entry (locked across processes, fsync'd before it resolves). */
  append(input: AuditInput): Promise<AuditEntry> {
    try {
      return Promise.resolve(withFileLockSync(this.lockFile, () => {
        this.repairTornTail();
        return this.writeEntry(input);
      }));
    } catch (err) {
      return Promise.reject(new Error(`audit log ${this.file}: ${(err as Error).message}`));
    }
  }

  /** The newest entry's seq and hash (what an anchor records); null for an empty log. */
  head(): { seq: number; hash: string } | null {
    const last = withFileLockSync(this.lockFile, () => {
      this.repairTornTail();
      return lastEntry(this.file);
    });
    return last ? { seq: last.seq, hash: last.hash } : null;
  }

  /** The ledger id from the key (creating the key when the log has none yet). */
  ledger(): string {
    return withFileLockSync(this.lockFile, () => this.keyFor((lastEntry(this.file)?.seq ?? 0) + 1)).ledger;
  }

  private keyFor(nextSeq: number): AuditKey {
    this.key ??= loadOrCreateAuditKey(this.keyFile, nextSeq);
    return this.key;
  }

  private writeEntry(input: AuditInput): AuditEntry {
    const last = lastEntry(this.file);
    const seq = (last?.seq ?? 0) + 1;
    const entry = sealEntry({
      seq, time: new Date().toISOString(), user: input.user, action: input.action, target: input.target,
      details: input.details ?? {}, prevHash: last?.hash ?? GENESIS_HASH,
    }, this.keyFor(seq).key);
    const fd = openSync(this.file, 'a', 0o600);
    try {
      writeWhole(fd, Buffer.from(JSON.stringify(entry) + '\n', 'utf8'), this.file);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return entry;
  }

  /** Under the lock: a last line without its newline is an append that never finished. */
  private repairTornTail(): void {
    if (!existsSync(this.file)) return;
    const fd = openSync(this.file, 'r+');
    let torn: { offset: number; bytes: number } | null = null;
    try {
      const size = fstatSync(fd).size;
      if (size === 0) return;
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] === NEWLINE) return;
      const cut = endOfLastLine(fd, size);
      const text = Buffer.alloc(size - cut);
      readSync(fd, text, 0, text.length, cut);
      const side = openSync(this.tornFile, 'a', 0o600);
      try {
        writeWhole(side, Buffer.from(JSON.stringify({ repairedAt: new Date().toISOString(), offset: cut, bytes: text.length, text: text.toString('utf8') }) + '\n'), this.tornFile);
        fsyncSync(side);
      } finally {
        closeSync(side);
      }
      ftruncateSync(fd, cut);
      fsyncSync(fd);
      torn = { offset: cut, bytes: text.length };
    } finally {
      closeSync(fd);
    }
    const entry = this.writeEntry({ user: 'system', action: 'audit.repair', target: 'audit:log', details: { ...torn, sideFile: basename(this.tornFile) } });
    this.opts.warn?.(`audit log ${this.file}: a torn last line (${torn.bytes} bytes, an append that did not finish) was moved to ${this.tornFile}; recorded as seq ${entry.seq}`);
  }

  async entries(filter?: { target?: string; user?: string; action?: string }): Promise<AuditEntry[]> {
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

  /** Repairs a torn tail, then checks the chain (HMACs when the key is readable) and the anchor. */
  async verify(anchor: AuditAnchor | null = null): Promise<AuditVerifyResult> {
    let key: AuditKey | null = null;
    let keyUnreadable = false;
    try {
      key = readAuditKey(this.keyFile);
    } catch {
      keyUnreadable = true;
    }
    if (existsSync(this.file)) withFileLockSync(this.lockFile, () => this.repairTornTail());
    const text = existsSync(this.file) ? await readFile(this.file, 'utf8') : '';
    return verifyAuditText(text, { key, keyUnreadable, anchor });
  }
}
