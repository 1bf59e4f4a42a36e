// The chain of the audit log. Each entry's `hash` covers its content and the previous entry's hash:
// an HMAC-SHA256 under the audit key (entries with alg "hmac-sha256"), or, for entries written
// before the log was keyed, a plain SHA-256. Without the key no one can recompute the keyed part.
import { createHash, createHmac } from 'node:crypto';
import type { AuditAnchor, AuditEntry, AuditVerifyResult } from '../protocol.ts';
import type { AuditKey } from './auditKey.ts';
import { canonicalJson } from './canonicalJson.ts';

export const GENESIS_HASH = '0'.repeat(64);
export const KEYED_ALG = 'hmac-sha256';

type EntryBody = Omit<AuditEntry, 'hash'>;

/** The unkeyed rule, for entries written before the log had a key. */
export function entryHash(entry: EntryBody): string {
  const { seq, time, user, action, target, details, prevHash } = entry;
  return createHash('sha256').update(canonicalJson({ seq, time, user, action, target, details, prevHash })).digest('hex');
}

export function entryMac(key: Buffer, entry: EntryBody): string {
  const { seq, time, user, action, target, details, prevHash, alg } = entry;
  return createHmac('sha256', key).update(canonicalJson({ seq, time, user, action, target, details, prevHash, alg })).digest('hex');
}

export function sealEntry(body: Omit<EntryBody, 'alg'>, key: Buffer): AuditEntry {
  const keyed: EntryBody = { ...body, alg: KEYED_ALG };
  return { ...keyed, hash: entryMac(key, keyed) };
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

/** What the verification could and could not rely on, as far as the key goes. */
function keyNotes(opts: VerifyOptions, firstKeyed: number | null): string[] {
  if (opts.keyUnreadable) return ['the audit key could not be read: HMACs were not checked (run as the owner of the key file)'];
  if (opts.key === null) {
    return firstKeyed === null
      ? ['the log has no audit key yet: every entry was checked with the unkeyed SHA-256 rule, which anyone who can write the file can recompute']
      : [`the log is keyed from seq ${firstKeyed} but there is no audit key file: HMACs were not checked; restore the key from its backup`];
  }
  const from = opts.key.keyedFrom;
  return from > 1 ? [`entries 1-${from - 1} predate the audit key and were checked with the unkeyed SHA-256 rule; keyed entries start at seq ${from}`] : [];
}

export interface VerifyOptions {
  /** the audit key; null when the log has none yet */
  key: AuditKey | null;
  /** the key file exists but could not be read: HMACs cannot be checked */
  keyUnreadable?: boolean;
  /** the latest checkpoint kept outside the log; the log must still reach it, unchanged */
  anchor?: AuditAnchor | null;
}

/**
 * Checks the whole log and reports the first line that breaks the chain: edited (its hash or HMAC
 * no longer matches its content), unkeyed (an entry without HMAC where the log is keyed: rewritten
 * without the key), removed (a gap in seq), reordered (seq goes back), re-linked (prevHash differs
 * from the previous line's hash), torn (an incomplete last line), or truncated (the log ends before
 * the latest anchor, or the entry there is not the one anchored).
 */
export function verifyAuditText(text: string, opts: VerifyOptions = { key: null }): AuditVerifyResult {
  const { key } = opts;
  const macsChecked = key !== null;
  const lines = text.split('\n');
  const complete = lines.length > 0 && lines[lines.length - 1] === '';
  if (complete) lines.pop();
  const repairs: AuditVerifyResult['repairs'] = [];
  const notes: string[] = [];
  let firstKeyed: number | null = null;
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  const hashAt = new Map<number, { hash: string; line: number }>();
  const result = (ok: boolean, entries: number, firstBad?: AuditVerifyResult['firstBad']): AuditVerifyResult => ({
    ok, entries, notes: [...keyNotes(opts, firstKeyed), ...notes], ...(firstBad ? { firstBad } : {}), keyedFrom: key?.keyedFrom ?? firstKeyed, macsChecked,
    anchor: opts.anchor ?? null, repairs,
  });


  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const entry = parseEntry(lines[i]!);
    if (!entry) {
      const torn = i === lines.length - 1 && !complete;
      return result(false, i, {
        line: lineNo, seq: null,
        problem: torn ? 'torn: the last line is incomplete (an append that did not finish); it is kept aside and repaired at the next append'
          : 'not a valid audit entry (unparseable JSON or missing seq/hash)',
      });
    }
    const bad = (problem: string): AuditVerifyResult => result(false, i, { line: lineNo, seq: entry.seq, problem });
    const keyedSince = key?.keyedFrom ?? firstKeyed;
    if (entry.alg === KEYED_ALG) {
      if (key && entryMac(key.key, entry) !== entry.hash) return bad('edited: the entry\'s content does not match its HMAC (changed, or written without the key)');
    } else {
      if (entry.alg !== undefined) return bad(`edited: unknown alg '${String(entry.alg)}'`);
      if (keyedSince !== null && entry.seq >= keyedSince) {
        return bad(`unkeyed: seq ${entry.seq} has no HMAC although the log is keyed from seq ${keyedSince}; the chain was rewritten without the key`);
      }
      if (entryHash(entry) !== entry.hash) return bad('edited: the entry\'s content does not match its hash');
    }
    if (entry.seq > expectedSeq && lines.slice(i + 1).some((l) => parseEntry(l)?.seq === expectedSeq)) {
      return bad(`reordered: seq ${entry.seq} appears before seq ${expectedSeq}`);
    }
    if (entry.seq > expectedSeq) return bad(`removed: expected seq ${expectedSeq}, found ${entry.seq} (${entry.seq - expectedSeq} entr${entry.seq - expectedSeq === 1 ? 'y' : 'ies'} missing before this line)`);
    if (entry.seq < expectedSeq) return bad(`reordered: seq ${entry.seq} appears after seq ${expectedSeq - 1}`);
    if (entry.prevHash !== prevHash) return bad('re-linked: prevHash does not match the previous entry\'s hash');
    if (entry.alg === KEYED_ALG && firstKeyed === null) firstKeyed = entry.seq;
    if (entry.action === 'audit.repair') {
      repairs.push({ seq: entry.seq, bytes: Number(entry.details.bytes) || 0, sideFile: String(entry.details.sideFile ?? '') });
    }
    hashAt.set(entry.seq, { hash: entry.hash, line: lineNo });
    prevHash = entry.hash;
    expectedSeq++;
  }
  const lastSeq = expectedSeq - 1;
  if (key && lastSeq < key.keyedFrom - 1) {
    return result(false, lines.length, {
      line: lines.length + 1, seq: null,
      problem: `truncated: the log had ${key.keyedFrom - 1} entries when it was keyed (${key.createdAt}); it now ends at seq ${lastSeq}`,
    });
  }
  const anchor = opts.anchor;
  if (anchor) {
    const at = hashAt.get(anchor.seq);
    const when = new Date(anchor.at).toISOString();
    if (!at) {
      return result(false, lines.length, {
        line: lines.length + 1, seq: anchor.seq,
        problem: `truncated: the latest anchor (seq ${anchor.seq}, ${when}) is beyond the end of the log (last seq ${lastSeq}); at least ${anchor.seq - lastSeq} entr${anchor.seq - lastSeq === 1 ? 'y was' : 'ies were'} removed from the end`,
      });
    }
    if (at.hash !== anchor.hash) {
      return result(false, lines.length, { line: at.line, seq: anchor.seq, problem: `rewritten: seq ${anchor.seq} is not the entry anchored at ${when}` });
    }
  } else {
    notes.push('no anchor to check against: removal of the newest entries cannot be seen from the file alone (anchors are written to InfluxDB and syslog)');
  }
  return result(true, lines.length);
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
