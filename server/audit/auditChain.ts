// The hash chain of the audit log: each entry's hash covers its content and the previous hash.
import { createHash } from 'node:crypto';
import type { AuditEntry, AuditVerifyResult } from '../protocol.ts';
import { canonicalJson } from './canonicalJson.ts';

export const GENESIS_HASH = '0'.repeat(64);

export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, time, user, action, target, details, prevHash } = entry;
  return createHash('sha256').update(canonicalJson({ seq, time, user, action, target, details, prevHash })).digest('hex');
}

function parseEntry(line: string): AuditEntry | null {
  try {
    const e = JSON.parse(line) as AuditEntry;
    if (typeof e !== 'object' || e === null || typeof e.seq !== 'number' || typeof e.hash !== 'string') return null;
    return e;
  } catch {
    return null;
  }
}

/**
 * Checks the whole log and reports the first line that breaks the chain: edited (its hash no longer
 * matches its content), removed (a gap in seq), reordered (seq goes back) or re-linked (prevHash
 * differs from the previous line's hash). Removing the last lines is not detectable from the file alone.
 */
export function verifyAuditText(text: string): AuditVerifyResult {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const entry = parseEntry(lines[i]!);
    if (!entry) return { ok: false, entries: i, firstBad: { line: lineNo, seq: null, problem: 'not a valid audit entry (unparseable JSON or missing seq/hash)' } };
    const bad = (problem: string): AuditVerifyResult => ({ ok: false, entries: i, firstBad: { line: lineNo, seq: entry.seq, problem } });
    if (entryHash(entry) !== entry.hash) return bad('edited: the entry\'s content does not match its hash');
    if (entry.seq > expectedSeq && lines.slice(i + 1).some((l) => parseEntry(l)?.seq === expectedSeq)) {
      return bad(`reordered: seq ${entry.seq} appears before seq ${expectedSeq}`);
    }
    if (entry.seq > expectedSeq) return bad(`removed: expected seq ${expectedSeq}, found ${entry.seq} (${entry.seq - expectedSeq} entr${entry.seq - expectedSeq === 1 ? 'y' : 'ies'} missing before this line)`);
    if (entry.seq < expectedSeq) return bad(`reordered: seq ${entry.seq} appears after seq ${expectedSeq - 1}`);
    if (entry.prevHash !== prevHash) return bad('re-linked: prevHash does not match the previous entry\'s hash');
    prevHash = entry.hash;
    expectedSeq++;
  }
  return { ok: true, entries: lines.length };
}

export function parseAuditText(text: string): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = parseEntry(line);
    if (e) out.push(e);
  }
  return out;
}
