// The open, authenticated WebSockets of each user (live stream and sensor ingest). A socket's token
// is checked once, in its first message; this registry is what makes a later revocation reach it:
// when a user is removed, changes role or gets a new token, or the token expires, every socket of
// that user is closed with 4401 and a reason that starts with "token revoked" or "token expired".
import type { WebSocket } from 'ws';
import { CLOSE_CODES } from '../protocol.ts';
import type { PublicUser } from './userStore.ts';

/** setTimeout cannot wait longer than this; a later expiry is re-armed when the timer fires */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class SocketRegistry {
  private readonly byUser = new Map<string, Set<WebSocket>>();

  /** Tracks `socket` as authenticated by `user` until it closes. */
  register(user: PublicUser, socket: WebSocket): void {
    let set = this.byUser.get(user.name);
    if (!set) this.byUser.set(user.name, (set = new Set()));
    set.add(socket);
    let timer: NodeJS.Timeout | undefined;
    if (user.expiresAt !== undefined) {
      const expiresAt = Date.parse(user.expiresAt);
      const arm = (): void => {
        const left = expiresAt - Date.now();
        if (left <= 0) socket.close(CLOSE_CODES.unauthorized, `token expired at ${user.expiresAt}`);
        else timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      };
      arm();
    }
    socket.once('close', () => {
      clearTimeout(timer);
      set.delete(socket);
      if (set.size === 0 && this.byUser.get(user.name) === set) this.byUser.delete(user.name);
    });
  }

  /** Closes every socket of `name`; returns how many were open. */
  revoke(name: string, reason: string): number {
    const set = this.byUser.get(name);
    if (!set) return 0;
    for (const socket of set) socket.close(CLOSE_CODES.unauthorized, `token revoked: ${reason}`);
    return set.size;
  }

  count(name: string): number {
    return this.byUser.get(name)?.size ?? 0;
  }
}
