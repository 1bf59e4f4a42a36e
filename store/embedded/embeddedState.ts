// The state file next to an embedded influxd's data: which process serves it, where, and which
// spanwatch processes use it (reference counting: the last user stops it).
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { isAlive } from './processes.ts';

export interface EmbeddedUser {
  pid: number;
  token: string;
}

export interface EmbeddedState {
  pid: number;
  url: string;
  httpPort: number;
  rpcPort: number;
  users: EmbeddedUser[];
}

export function readState(path: string): EmbeddedState | undefined {
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as EmbeddedState;
    if (typeof s.pid !== 'number' || typeof s.url !== 'string' || !Array.isArray(s.users)) return undefined;
    return s;
  } catch {
    return undefined;
  }
}

export function writeState(path: string, state: EmbeddedState): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, path);
}

export function removeState(path: string): void {
  try { unlinkSync(path); } catch { /* already gone */ }
}

export function liveUsers(state: EmbeddedState): EmbeddedUser[] {
  return state.users.filter((u) => isAlive(u.pid));
}
