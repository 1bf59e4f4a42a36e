// The enterprise's nightly backup: the backup server uploads the night's changes to one of the
// provider's addresses (an external /29) over TLS. Its start drifts by up to ±30 minutes around
// 01:30 local time and its size by up to ±20 % around its mean: a recurring peak that is never
// quite the same twice.
import { remoteRtt } from './background.ts';
import { micros, US_PER_S } from './context.ts';
import type { EnterpriseWorld } from './enterpriseTraffic.ts';
import { SEGMENT_BYTES } from './enterpriseTraffic.ts';
import { tlsClientHello, tlsRecordHeader, tlsServerHello } from './payloads.ts';
import type { Random } from './random.ts';
import type { Micros } from './schedule.ts';
import { type Script, tcpSession } from './sessions.ts';

export const ENTERPRISE_BACKUP_HOUR = 1.5;
/** bytes uploaded per night at scale 1, before the drift */
const BACKUP_BYTES = 2e9;

export interface BackupNight {
  at: Micros;
  bytes: number;
  script: Script;
}

function* backupUpload(w: EnterpriseWorld, rnd: Random, t: Micros, bytes: number): Script {
  const vault = rnd.pick(w.net.backupVaults);
  const bps = rnd.uniform(8e6, 12e6);
  return yield* tcpSession(rnd, {
    client: w.net.backupServer, server: vault, dport: 443, rtt: remoteRtt(rnd), bps, segmentBytes: SEGMENT_BYTES,
    exchanges: [
      { fromClient: true, bytes: 517, kept: tlsClientHello(vault.domain, rnd) },
      { fromClient: false, bytes: 3_900, kept: tlsServerHello(3_900) },
      { fromClient: true, bytes, kept: tlsRecordHeader(16_384), pause: rnd.int(5_000, 50_000) },
      { fromClient: false, bytes: 310, kept: tlsRecordHeader(310) },
    ],
  }, t);
}

/** One run per night of the calendar. */
export function nightlyBackups(w: EnterpriseWorld): BackupNight[] {
  const rnd = w.ctx.random('backup-nights');
  return w.calendar.days.map((_, i) => {
    const at = micros(w.calendar.at(i, ENTERPRISE_BACKUP_HOUR)) + Math.round(rnd.uniform(-30, 30) * 60 * US_PER_S);
    const bytes = Math.round(BACKUP_BYTES * w.ctx.scale * rnd.uniform(0.8, 1.2));
    return { at, bytes, script: backupUpload(w, rnd.fork(String(i)), at, bytes) };
  });
}
