// Checkpoints of the audit log kept in InfluxDB (measurement `audit_anchor`, events retention
// policy): the log's head (seq and hash) at a moment, tagged by the ledger's id. Someone who can
// rewrite or shorten the log on the server's disk cannot reach these, so the verifier can tell that
// entries were removed from the end. Written directly (not batched): an anchor is rare and must land.
import { classifyError } from './connection.ts';
import type { StoreConnection } from './connectStore.ts';
import { literal, source } from './reader/influxQl.ts';
import { RP_EVENTS } from './schema.ts';

export const AUDIT_ANCHOR_MEASUREMENT = 'audit_anchor';

export interface StoredAuditAnchor {
  ledger: string;
  seq: number;
  hash: string;
  /** ms since the epoch */
  at: number;
}

export async function writeAuditAnchor(conn: StoreConnection, a: StoredAuditAnchor): Promise<void> {
  try {
    await conn.client.writePoints([{
      measurement: AUDIT_ANCHOR_MEASUREMENT, tags: { ledger: a.ledger }, fields: { seq: a.seq, hash: a.hash }, timestamp: new Date(a.at),
    }], { retentionPolicy: conn.retentionPolicies.events, precision: 'ms' });
  } catch (err) {
    throw classifyError(err, conn.endpoint, conn.database);
  }
}

async function newestIn(conn: StoreConnection, rp: string | undefined, ledger: string): Promise<StoredAuditAnchor | null> {
  const rows = await conn.client.query<{ time: Date; seq: number; hash: string }>(
    `SELECT "seq", "hash" FROM ${source(conn.database, rp, AUDIT_ANCHOR_MEASUREMENT)} WHERE "ledger" = ${literal(ledger)} ORDER BY time DESC LIMIT 1`,
    { precision: 'ms' },
  );
  const r = rows[0];
  if (!r || typeof r.seq !== 'number' || typeof r.hash !== 'string') return null;
  return { ledger, seq: r.seq, hash: r.hash, at: new Date(r.time).getTime() };
}

/**
 * The newest anchor of `ledger`; null when none was written (or all have expired). A connection
 * that does not manage retention (a verifier that must not alter the database) looks in the events
 * policy first, where a managing server writes them, then in the default one.
 */
export async function latestAuditAnchor(conn: StoreConnection, ledger: string): Promise<StoredAuditAnchor | null> {
  try {
    if (conn.managed) return await newestIn(conn, RP_EVENTS, ledger);
    try {
      const inEvents = await newestIn(conn, RP_EVENTS, ledger);
      if (inEvents) return inEvents;
    } catch {
      // no such retention policy: the server that wrote them did not manage retention either
    }
    return await newestIn(conn, undefined, ledger);
  } catch (err) {
    throw classifyError(err, conn.endpoint, conn.database);
  }
}
