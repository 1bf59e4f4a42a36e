// Webhook delivery: one JSON POST per alert, with a timeout and retries with exponential backoff.
import type { AlertPayload } from './alertPayload.ts';

export interface WebhookOptions {
  url: string;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
}

export class WebhookSink {
  readonly name: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(private readonly opts: WebhookOptions) {
    this.name = `webhook ${new URL(opts.url).origin}`;
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.retries = opts.retries ?? 4;
    this.backoffMs = opts.backoffMs ?? 500;
  }

  async deliver(payload: AlertPayload): Promise<void> {
    const body = JSON.stringify(payload);
    let lastError = '';
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** (attempt - 1)));
      try {
        const res = await fetch(this.opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'spanwatch' },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await res.arrayBuffer();
        if (res.ok) return;
        lastError = `HTTP ${res.status}`;
      } catch (err) {
        lastError = (err as Error).message;
      }
    }
    throw new Error(`${this.name}: gave up after ${this.retries + 1} attempts (last: ${lastError})`);
  }

  close(): void {}
}
