// What /api/v1/ingest accepted and refused since the server started (shown in GET /status).

/** Why a record was refused. */
export type RefusalReason =
  /** not JSON, not an object, no or bad `seq`, unknown `type` */
  | 'malformed'
  /** the record does not match its schema (types, ranges, sizes, unknown fields) */
  | 'invalid'
  /** the token is not bound to the record's sensor name */
  | 'sensor'
  /** the server already tracks its maximum number of sensors */
  | 'capacity'
  /** the record passed validation but handling it failed (logged) */
  | 'failed';

export const REFUSAL_REASONS: readonly RefusalReason[] = ['malformed', 'invalid', 'sensor', 'capacity', 'failed'];

/** Refusals and repeats; accepted records are counted where they enter (LiveFeed). */
export class IngestCounters {
  /** records sent again after a reconnect (seq already held): acknowledged, not handled twice */
  repeats = 0;
  refused = 0;
  readonly refusedBy: Record<RefusalReason, number> = { malformed: 0, invalid: 0, sensor: 0, capacity: 0, failed: 0 };

  refuse(reason: RefusalReason): void {
    this.refused++;
    this.refusedBy[reason]++;
  }
}
