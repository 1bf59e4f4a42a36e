// Users and their token hashes in `<var>/users.json` (mode 0600). The file never holds a token.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Role } from '../protocol.ts';
import { generateToken, hashToken, tokenMatches } from './tokens.ts';
import { isRole } from './roles.ts';

export interface UserRecord {
  name: string;
  role: Role;
  tokenHash: string;
  createdAt: string;
  /** role sensor: the sensor names this token may send records for (default: the user's name) */
  sensors?: string[];
}

export interface PublicUser {
  name: string;
  role: Role;
  createdAt: string;
  sensors?: string[];
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export class UserStore {
  private users: UserRecord[] = [];
  private loadedMtime = 0;
  private checkedAt = 0;

  constructor(readonly file: string) {
    this.load();
  }

  private load(): void {
    if (!existsSync(this.file)) {
      this.users = [];
      return;
    }
    this.loadedMtime = statSync(this.file).mtimeMs;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (err) {
      throw new Error(`users file ${this.file} is not valid JSON (${(err as Error).message}); fix or remove it`);
    }
    const list = (parsed as { users?: unknown }).users;
    if (!Array.isArray(list)) throw new Error(`users file ${this.file} has no "users" array; fix or remove it`);
    this.users = list.filter((u): u is UserRecord =>
      typeof u === 'object' && u !== null && typeof u.name === 'string' && typeof u.tokenHash === 'string'
      && typeof u.role === 'string' && isRole(u.role));
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ users: this.users }, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
    chmodSync(this.file, 0o600);
    this.loadedMtime = statSync(this.file).mtimeMs;
  }

  isEmpty(): boolean {
    return this.users.length === 0;
  }

  list(): PublicUser[] {
    return this.users.map(({ name, role, createdAt }) => ({ name, role, createdAt }));
  }

  /** Creates a user (or replaces its token and role) and returns the new token — shown once. */
  add(name: string, role: Role, opts: { sensors?: string[] } = {}): string {
    if (!NAME_PATTERN.test(name)) {
      throw new Error(`user name '${name}' is not allowed; use 1-64 letters, digits, '.', '_', '@' or '-'`);
    }
    const token = generateToken();
    const record: UserRecord = { name, role, tokenHash: hashToken(token), createdAt: new Date().toISOString(), ...(opts.sensors ? { sensors: [...opts.sensors] } : {}) };
    this.users = this.users.filter((u) => u.name !== name);
    this.users.push(record);
    this.save();
    return token;
  }

  remove(name: string): boolean {
    const before = this.users.length;
    this.users = this.users.filter((u) => u.name !== name);
    if (this.users.length === before) return false;
    this.save();
    return true;
  }

  /** The user a token belongs to; compares against every user so timing doesn't reveal which matched. */
  authenticate(token: string): PublicUser | null {
    this.reloadIfChanged();
    let found: UserRecord | null = null;
    for (const u of this.users) if (tokenMatches(token, u.tokenHash)) found = u;
    if (!found) return null;
    return { name: found.name, role: found.role, createdAt: found.createdAt, ...(Array.isArray(found.sensors) ? { sensors: found.sensors.filter((s) => typeof s === 'string') } : {}) };
  }

  /** Picks up changes by another process (`spanwatch user add/remove`), checking at most once a second. */
  private reloadIfChanged(now = Date.now()): void {
    if (now - this.checkedAt < 1_000) return;
    this.checkedAt = now;
    const mtime = existsSync(this.file) ? statSync(this.file).mtimeMs : 0;
    if (mtime !== this.loadedMtime) {
      try {
        this.load();
      } catch {
        // a half-written or broken file keeps the users already loaded; the CLI reports the error
      }
      if (mtime === 0) this.users = [];
    }
  }
}
