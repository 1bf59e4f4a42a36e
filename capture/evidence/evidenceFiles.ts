// Where evidence lives on disk: <dir>/<name>.pcap and <name>.json per anomaly, the name derived
// from the anomaly id so that no id can reach outside the directory.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { EVIDENCE_VERSION, type EvidenceRecord } from './evidenceRecord.ts';

const MAX_NAME = 120;

/** A file-system-safe name for an anomaly id: [A-Za-z0-9._-] only, never starting with a dot; a hash keeps changed ids distinct. */
export function evidenceName(anomalyId: string): string {
  const safe = anomalyId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, MAX_NAME);
  if (safe === anomalyId && safe.length > 0) return safe;
  return `${safe}-${createHash('sha256').update(anomalyId).digest('hex').slice(0, 12)}`;
}

/** The evidence record of an anomaly, or null when there is none (or it is not a record this version reads). */
export function readEvidenceRecord(dir: string, anomalyId: string): EvidenceRecord | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dir, `${evidenceName(anomalyId)}.json`), 'utf8'));
  } catch {
    return null;
  }
  const r = parsed as Partial<EvidenceRecord> | null;
  if (r === null || typeof r !== 'object' || r.version !== EVIDENCE_VERSION || r.anomalyId !== anomalyId) return null;
  return r as EvidenceRecord;
}

/** The absolute path of an anomaly's complete pcap, or null when there is none. */
export function evidencePcapPath(dir: string, anomalyId: string): string | null {
  const r = readEvidenceRecord(dir, anomalyId);
  if (r === null || r.state !== 'complete' || r.file !== `${evidenceName(anomalyId)}.pcap`) return null;
  const path = join(dir, r.file);
  try {
    return statSync(path).isFile() ? path : null;
  } catch {
    return null;
  }
}

/**
 * Removes the oldest complete pcaps (and their records) until the directory's pcaps take at most
 * `maxBytes`, sparing `keep`; returns how many were removed.
 */
export function pruneEvidence(dir: string, maxBytes: number, keep: string): number {
  const pcaps = readdirSync(dir)
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => {
      const st = statSync(join(dir, f));
      return { f, size: st.size, mtime: st.mtimeMs };
    })
    .sort((a, b) => a.mtime - b.mtime || a.f.localeCompare(b.f));
  let total = pcaps.reduce((s, p) => s + p.size, 0);
  let removed = 0;
  for (const p of pcaps) {
    if (total <= maxBytes) break;
    if (p.f === keep) continue;
    unlinkSync(join(dir, p.f));
    try {
      unlinkSync(join(dir, p.f.replace(/\.pcap$/, '.json')));
    } catch {
      // a pcap without its record: nothing more to remove
    }
    total -= p.size;
    removed++;
  }
  return removed;
}
