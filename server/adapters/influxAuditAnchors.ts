// The store behind the audit anchor port: the `audit_anchor` measurement in InfluxDB.
import { latestAuditAnchor, writeAuditAnchor, type StoreConnection } from '../../store/index.ts';
import type { AuditAnchorStore } from '../ports.ts';
import type { AuditAnchor } from '../protocol.ts';

export class InfluxAuditAnchors implements AuditAnchorStore {
  constructor(private readonly conn: StoreConnection) {}

  write(anchor: AuditAnchor): Promise<void> {
    return writeAuditAnchor(this.conn, anchor);
  }

  latest(ledger: string): Promise<AuditAnchor | null> {
    return latestAuditAnchor(this.conn, ledger);
  }
}
