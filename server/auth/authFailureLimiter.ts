// Counts wrong tokens per client address; past the limit, further wrong tokens from that address
// get 429 until the window ends. Only failures are counted and only failures are refused: the token
// is always checked first, so a valid token is never throttled, whoever else shares the address.
// An IPv6 client is counted by its /64, which one host can fill with addresses at will.
import { isIPv6 } from 'node:net';

const MAX_TRACKED = 10_000;

export function clientKey(ip: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4mapped) return v4mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

export class AuthFailureLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(readonly max = 10, readonly windowMs = 60_000) {}

  /** Seconds until `ip` may fail again without 429; 0 when it is under the limit. */
  blocked(ip: string, now = Date.now()): number {
    const key = clientKey(ip);
    const f = this.failures.get(key);
    if (!f) return 0;
    if (now - f.since >= this.windowMs) {
      this.failures.delete(key);
      return 0;
    }
    return f.count > this.max ? Math.max(1, Math.ceil((f.since + this.windowMs - now) / 1000)) : 0;
  }

  /** Counts a wrong token from `ip`; returns the seconds it must wait (0: answer 401, > 0: answer 429). */
  fail(ip: string, now = Date.now()): number {
    const key = clientKey(ip);
    const f = this.failures.get(key);
    if (!f || now - f.since >= this.windowMs) this.failures.set(key, { count: 1, since: now });
    else f.count++;
    if (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value as string);
    return this.blocked(ip, now);
  }
}
