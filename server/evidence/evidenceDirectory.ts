// The evidence sensors wrote (capture/evidence): one record and one pcap per anomaly under the
// evidence directory. Reads only; a path is served only when it resolves inside the directory.
import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { evidencePcapPath, readEvidenceRecord, type EvidenceRecord } from '../../capture/index.ts';

export class EvidenceDirectory {
  constructor(readonly dir: string) {}

  record(anomalyId: string): EvidenceRecord | null {
    return readEvidenceRecord(this.dir, anomalyId);
  }

  /** The complete pcap of an anomaly, as a real path inside the directory, or null. */
  pcapPath(anomalyId: string): string | null {
    const path = evidencePcapPath(this.dir, anomalyId);
    if (path === null) return null;
    try {
      const real = realpathSync(path);
      return real.startsWith(realpathSync(this.dir) + sep) ? real : null;
    } catch {
      return null;
    }
  }
}
