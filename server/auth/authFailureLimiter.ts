// Counts wrong tokens per client address; past the limit the address gets 429 until the window ends.
export class AuthFailureLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly max = 10, private readonly windowMs = 60_000) {}

  blocked(ip: string, now = Date.now()): number {
    const f = this.failures.get(ip);
    if (!f) return 0;
    if (now - f.since >= this.windowMs) {
      this.failures.delete(ip);
      return 0;
    }
    return f.count >= this.max ? Math.ceil((f.since + this.windowMs - now) / 1000) : 0;
  }

  fail(ip: string, now = Date.now()): void {
    const f = this.failures.get(ip);
    if (!f || now - f.since >= this.windowMs) this.failures.set(ip, { count: 1, since: now });
    else f.count++;
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
  }
}
