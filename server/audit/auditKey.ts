// The audit log's HMAC key, kept outside the log (`<var>/audit.key`, mode 0600). Whoever can write
// the log but not read this file cannot forge or recompute the chain. The file also says from which
// seq the log is keyed: entries before it were written under the older unkeyed SHA-256 rule, and
// an unkeyed entry at or after it means the chain was rewritten without the key.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync, fsyncSync } from 'node:fs';

export interface AuditKey {
  /** 32 random bytes */
  key: Buffer;
  /** random id naming this ledger in its anchors */
  ledger: string;
  /** the first seq written with an HMAC */
  keyedFrom: number;
  createdAt: string;
}

interface KeyFile { version: 1; key: string; ledger: string; keyedFrom: number; createdAt: string }

function decode(file: string, text: string): AuditKey {
  let k: KeyFile;
  try {
    k = JSON.parse(text) as KeyFile;
  } catch (err) {
    throw new Error(`audit key ${file} is not valid JSON (${(err as Error).message}); restore it from your backup`);
  }
  if (typeof k.key !== 'string' || !/^[0-9a-f]{64}$/.test(k.key) || typeof k.ledger !== 'string' || !Number.isInteger(k.keyedFrom) || k.keyedFrom < 1) {
    throw new Error(`audit key ${file} is damaged (needs key, ledger, keyedFrom); restore it from your backup`);
  }
  return { key: Buffer.from(k.key, 'hex'), ledger: k.ledger, keyedFrom: k.keyedFrom, createdAt: k.createdAt };
}

/** The key in `file`; null when there is none yet. Throws when it exists but cannot be read or is damaged. */
export function readAuditKey(file: string): AuditKey | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the audit key ${file}: ${(err as Error).message}`);
  }
  return decode(file, text);
}

/**
 * The key in `file`, created (mode 0600, never overwritten) when missing. `nextSeq` is the seq the
 * next entry will get: a log that already has entries is keyed from there on. Call under the log's lock.
 */
export function loadOrCreateAuditKey(file: string, nextSeq: number): AuditKey {
  const existing = readAuditKey(file);
  if (existing) return existing;
  const k: KeyFile = {
    version: 1, key: randomBytes(32).toString('hex'), ledger: randomBytes(8).toString('hex'), keyedFrom: nextSeq, createdAt: new Date().toISOString(),
  };
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(k) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return decode(file, JSON.stringify(k));
}
