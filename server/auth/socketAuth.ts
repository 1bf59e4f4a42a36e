// The token check for WebSocket routes, whose token arrives in the first message rather than a
// header: the same failure limiter, messages and close codes for the stream and for ingest.
import type { WebSocket } from 'ws';
import { CLOSE_CODES, type Role } from '../protocol.ts';
import type { AuthFailureLimiter } from './authFailureLimiter.ts';
import { roleAllows } from './roles.ts';
import type { PublicUser, UserStore } from './userStore.ts';

/** The user behind `token` if it may use `route` with `role`; otherwise closes the socket and returns null. */
export function authenticateSocket(
  socket: WebSocket, users: UserStore, limiter: AuthFailureLimiter, ip: string, token: string, role: Role, route: string,
): PublicUser | null {
  // the token first: a valid one is never refused because others failed from the same address
  const check = users.check(token);
  if (!check.ok) {
    const retryAfter = limiter.fail(ip);
    socket.close(CLOSE_CODES.unauthorized, retryAfter > 0 ? `too many failed logins from this address; retry in ${retryAfter} s`
      // a close reason holds at most 123 bytes: the short form of the check's message
      : check.reason === 'expired' ? 'token expired; ask an admin to rotate it' : 'unknown or revoked token');
    return null;
  }
  const user = check.user;
  if (!roleAllows(user.role, role)) {
    socket.close(CLOSE_CODES.forbidden, `${route} needs ${role === 'sensor' ? 'a token of role sensor' : `the ${role} role`}; you are ${user.role}`);
    return null;
  }
  return user;
}
