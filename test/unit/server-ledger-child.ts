// A second process for the ledger tests: appends to an audit log, or adds users or suppressions to
// their shared files, N times as fast as it can. Usage: node --import tsx THIS audit|users|suppressions FILE WHO N [OTHER]
// With OTHER (audit only), it waits after its first entry until OTHER's first entry is in the log,
// so that the two processes are certain to append at the same time, however the machine schedules them.
import { AuditLog, UserStore } from '../../server/index.ts';
import { SuppressionStore } from '../../server/anomalies/suppressionStore.ts';

import { readFileSync } from 'node:fs';

const [mode, file, who, count, other] = process.argv.slice(2);
const n = Number(count);
if (!file || !who || !(n > 0)) throw new Error('usage: audit|users|suppressions FILE WHO N');
if (mode === 'audit') {
  const log = new AuditLog(file);
  for (let i = 0; i < n; i++) {
    await log.append({ user: who, action: 'test.append', target: `n:${i}` });
    if (i === 0 && other) while (!readFileSync(file, 'utf8').includes(`"user":"${other}"`)) await new Promise((r) => setTimeout(r, 10));
  }
} else if (mode === 'users') {
  const users = new UserStore(file);
  for (let i = 0; i < n; i++) users.add(`${who}-${i}`, 'viewer');
} else if (mode === 'suppressions') {
  const store = new SuppressionStore(file);
  for (let i = 0; i < n; i++) store.add({ scope: { host: `10.0.0.${i}` }, reason: who, expiresAt: Date.now() + 3_600_000, createdBy: who });
} else {
  throw new Error(`unknown mode ${mode}`);
}
