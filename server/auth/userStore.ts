// Users and their token hashes in `<var>/users.json` (mode 0600). The file never holds a token.
// serve and the command line both change it: every change is made under a lock on the file as it is
// on disk, and serve notices changes made by others within a second (the file is watched), so a
// removed user, a changed role or a rotated token takes effect at once, open sockets included.
import { unwatchFile, watchFile } from 'node:fs';
import type { Role } from '../protocol.ts';
import { SharedJsonFile, fileVersion } from '../files/sharedJsonFile.ts';
import { generateToken, hashToken, tokenMatches } from './tokens.ts';
import { isRole } from './roles.ts';

export interface UserRecord {
  name: string;
  role: Role;
  tokenHash: string;
  createdAt: string;
  /** ISO time after which the token is refused; absent: no expiry */
  expiresAt?: string;
  /** sensor names a token of role sensor may send as; absent: not bound */
  sensors?: string[];
  /** when the token was last replaced by `rotate` */
  rotatedAt?: string;
}

export interface PublicUser {
  name: string;
  role: Role;
  createdAt: string;
  expiresAt?: string;
  sensors?: string[];
  rotatedAt?: string;
}

export interface UserOptions {
  /** when the token stops working */
  expiresAt?: Date;
  /** sensor names (role sensor only) */
  sensors?: string[];
}

/** The outcome of presenting a token: who it belongs to, or why it is refused (message for the client). */
export type TokenCheck = { ok: true; user: PublicUser } | { ok: false; reason: 'unknown' | 'expired'; message: string };

/** Why a user's open sockets must close: the token they authenticated with no longer stands. */
export type RevokeListener = (name: string, reason: string) => void;

export const USER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$';
const NAME = new RegExp(USER_NAME_PATTERN);
const WATCH_INTERVAL_MS = 250;

function publicView(u: UserRecord): PublicUser {
  const { tokenHash: _secret, ...rest } = u;
  return rest;
}

function isRecord(u: unknown): u is UserRecord {
  if (typeof u !== 'object' || u === null) return false;
  const r = u as Record<string, unknown>;
  return typeof r.name === 'string' && typeof r.tokenHash === 'string' && typeof r.role === 'string' && isRole(r.role)
    && (r.expiresAt === undefined || (typeof r.expiresAt === 'string' && Number.isFinite(Date.parse(r.expiresAt))))
    && (r.sensors === undefined || (Array.isArray(r.sensors) && r.sensors.every((s) => typeof s === 'string')));
}

function decodeUsers(raw: unknown): UserRecord[] {
  const list = (raw as { users?: unknown } | null)?.users;
  if (!Array.isArray(list)) throw new Error('it has no "users" array; fix or remove it');
  return list.filter(isRecord);
}

/** What changed for one user between two versions of the file, as a reason to close its sockets. */
function revocationReason(before: UserRecord, after: UserRecord | undefined): string | null {
  if (!after) return 'user removed';
  if (after.role !== before.role) return 'role changed';
  if (after.tokenHash !== before.tokenHash) return 'token replaced';
  if (after.expiresAt !== before.expiresAt) return 'expiry changed';
  if ((after.sensors ?? []).join('\n') !== (before.sensors ?? []).join('\n')) return 'sensor binding changed';
  return null;
}

export function isExpired(user: { expiresAt?: string }, now = Date.now()): boolean {
  return user.expiresAt !== undefined && Date.parse(user.expiresAt) <= now;
}

export class UserStore {
  private users: UserRecord[] = [];
  private loadedVersion = '';
  private checkedAt = 0;
  private readonly shared: SharedJsonFile<UserRecord[]>;
  private readonly listeners: RevokeListener[] = [];

  constructor(readonly file: string) {
    this.shared = new SharedJsonFile(file, (raw) => {
      try {
        return decodeUsers(raw);
      } catch (err) {
        throw new Error(`users file ${file}: ${(err as Error).message}`);
      }
    }, () => [], (users) => ({ users }));
    const first = this.shared.read();
    this.users = first.value;
    this.loadedVersion = first.version;
  }

  /** Called with each user whose token no longer stands (removed, role or token changed, …). */
  onRevoked(listener: RevokeListener): void {
    this.listeners.push(listener);
  }

  /** Re-reads the file whenever it changes on disk; returns the function that stops watching. */
  watch(): () => void {
    const listener = (): void => this.refresh(true);
    watchFile(this.file, { interval: WATCH_INTERVAL_MS, persistent: false }, listener);
    return () => unwatchFile(this.file, listener);
  }

  private adopt(next: UserRecord[], version: string): void {
    const before = this.users;
    this.users = next;
    this.loadedVersion = version;
    for (const old of before) {
      const reason = revocationReason(old, next.find((u) => u.name === old.name));
      if (reason) for (const l of this.listeners) l(old.name, reason);
    }
  }

  /** Picks up changes by another process (`spanwatch user …`); `force` skips the once-per-250 ms limit. */
  private refresh(force = false, now = Date.now()): void {
    if (!force && now - this.checkedAt < WATCH_INTERVAL_MS) return;
    this.checkedAt = now;
    if (fileVersion(this.file) === this.loadedVersion) return;
    try {
      const s = this.shared.read();
      this.adopt(s.value, s.version);
    } catch {
      // a broken file keeps the users already loaded; the command line reports the error
    }
  }

  private change<R>(fn: (users: UserRecord[]) => { next: UserRecord[]; result: R } | null): R | null {
    const { snapshot, result } = this.shared.update(fn);
    this.adopt(snapshot.value, snapshot.version);
    return result;
  }

  isEmpty(): boolean {
    this.refresh();
    return this.users.length === 0;
  }

  list(): PublicUser[] {
    this.refresh();
    return this.users.map(publicView);
  }

  get(name: string): PublicUser | null {
    this.refresh();
    const u = this.users.find((x) => x.name === name);
    return u ? publicView(u) : null;
  }

  /** Creates a user (or replaces its token, role, expiry and sensors) and returns the new token — shown once. */
  add(name: string, role: Role, opts: UserOptions = {}): string {
    if (!NAME.test(name)) {
      throw new Error(`user name '${name}' is not allowed; use 1-64 letters, digits, '.', '_', '@' or '-'`);
    }
    if (opts.sensors !== undefined) {
      if (role !== 'sensor') throw new Error(`only users of role sensor can be bound to sensor names (${name} is ${role})`);
      const bad = opts.sensors.find((s) => !NAME.test(s));
      if (bad !== undefined) throw new Error(`sensor name '${bad}' is not allowed; use 1-64 letters, digits, '.', '_', '@' or '-'`);
    }
    if (opts.expiresAt !== undefined && !(opts.expiresAt.getTime() > Date.now())) {
      throw new Error(`the expiry ${opts.expiresAt.toISOString()} is not in the future`);
    }
    const token = generateToken();
    const record: UserRecord = {
      name, role, tokenHash: hashToken(token), createdAt: new Date().toISOString(),
      ...(opts.expiresAt ? { expiresAt: opts.expiresAt.toISOString() } : {}),
      ...(opts.sensors?.length ? { sensors: [...new Set(opts.sensors)] } : {}),
    };
    this.change((users) => ({ next: [...users.filter((u) => u.name !== name), record], result: true }));
    return token;
  }

  /**
   * Gives a user a new token (the old one stops working at once); keeps role and sensors. The expiry
   * stays unless a new one is given. Null when there is no such user.
   */
  rotate(name: string, opts: { expiresAt?: Date } = {}): string | null {
    if (opts.expiresAt !== undefined && !(opts.expiresAt.getTime() > Date.now())) {
      throw new Error(`the expiry ${opts.expiresAt.toISOString()} is not in the future`);
    }
    const token = generateToken();
    return this.change((users) => {
      const u = users.find((x) => x.name === name);
      if (!u) return null;
      const rotated: UserRecord = {
        ...u, tokenHash: hashToken(token), rotatedAt: new Date().toISOString(),
        ...(opts.expiresAt ? { expiresAt: opts.expiresAt.toISOString() } : {}),
      };
      return { next: users.map((x) => (x === u ? rotated : x)), result: token };
    });
  }

  remove(name: string): boolean {
    return this.change((users) => {
      if (!users.some((u) => u.name === name)) return null;
      return { next: users.filter((u) => u.name !== name), result: true };
    }) ?? false;
  }

  /** Who a token belongs to, or why it is refused; compares against every user so timing doesn't reveal which matched. */
  check(token: string, now = Date.now()): TokenCheck {
    this.refresh(false, now);
    let found: UserRecord | null = null;
    for (const u of this.users) if (tokenMatches(token, u.tokenHash)) found = u;
    if (!found) return { ok: false, reason: 'unknown', message: 'unknown or revoked token' };
    if (isExpired(found, now)) {
      return { ok: false, reason: 'expired', message: `token expired at ${found.expiresAt}; ask an admin to rotate it (spanwatch user rotate ${found.name})` };
    }
    return { ok: true, user: publicView(found) };
  }

  /** The user a valid, unexpired token belongs to. */
  authenticate(token: string): PublicUser | null {
    const c = this.check(token);
    return c.ok ? c.user : null;
  }
}
