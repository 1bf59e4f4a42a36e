// The nightly backup: the backup server uploads the night's changes to the offsite vault over TLS,
// starting at 02:00 every night and lasting about twenty minutes. A legitimate recurring peak.
import { type TrafficContext, micros, US_PER_S } from './context.ts';
import { DAY_MS, HOUR_MS } from './profile.ts';
import type { Random } from './random.ts';
import type { Micros } from './schedule.ts';
import { remoteRtt, webExchanges } from './background.ts';
import { type Script, tcpSession } from './sessions.ts';
import { tlsRecordHeader } from './payloads.ts';

export const BACKUP_HOUR = 2;
const BACKUP_MINUTES = 20;
/** bytes uploaded per run at scale 1 */
const BACKUP_BYTES = 80e6;
const MIN_BACKUP_BYTES = 8e6;

export function backupBytes(scale: number): number {
  return Math.round(Math.max(BACKUP_BYTES * scale, MIN_BACKUP_BYTES));
}

/** One backup run: a TLS session pushing `bytes` in about twenty minutes. */
export function* backupRun(ctx: TrafficContext, rnd: Random, t: Micros, bytes: number): Script {
  const net = ctx.net;
  const bps = (bytes * 8) / (BACKUP_MINUTES * 60 * rnd.uniform(0.93, 1.05));
  const exchanges = webExchanges(rnd, net.offsiteBackup, 1, 400);
  exchanges.push({ fromClient: true, bytes, kept: tlsRecordHeader(16_384), pause: rnd.int(5_000, 50_000) });
  exchanges.push({ fromClient: false, bytes: 310, kept: tlsRecordHeader(310) });
  return yield* tcpSession(rnd, { client: net.backupServer, server: net.offsiteBackup, dport: 443, rtt: remoteRtt(rnd), bps, exchanges }, t);
}

/** Start times of the nightly runs inside the context's span (02:00 + up to 3 minutes). */
export function nightlyBackupTimes(ctx: TrafficContext, firstDayMs: number, days: number): Micros[] {
  const rnd = ctx.random('backup-times');
  const out: Micros[] = [];
  for (let d = 0; d < days; d++) out.push(micros(firstDayMs + d * DAY_MS + BACKUP_HOUR * HOUR_MS) + rnd.int(0, 180 * US_PER_S));
  return out;
}
