// POST /write with line protocol. The writer keeps its own bytes (for the spool) and its own retry
// policy, so it speaks the v1 write endpoint directly rather than through node-influx's pool.
import http from 'node:http';
import https from 'node:https';
import { authHeader, type InfluxEndpoint } from '../connection.ts';

export class WriteFailure extends Error {
  constructor(message: string, readonly retryable: boolean, readonly status?: number, readonly code?: string) {
    super(message);
    this.name = 'WriteFailure';
  }
}

export class LineProtocolPoster {
  private readonly agent: http.Agent;
  private readonly auth: string | undefined;

  constructor(private readonly ep: InfluxEndpoint, private readonly database: string, maxSockets: number, private readonly timeoutMs: number) {
    const Agent = ep.protocol === 'https' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets });
    this.auth = authHeader(ep);
  }

  /** Sends whole lines of line protocol (precision ns). */
  post(rp: string | undefined, body: Uint8Array): Promise<void> {
    const params = new URLSearchParams({ db: this.database, precision: 'ns' });
    if (rp) params.set('rp', rp);
    const mod = this.ep.protocol === 'https' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request({
        host: this.ep.host,
        port: this.ep.port,
        method: 'POST',
        path: `${this.ep.path}/write?${params.toString()}`,
        agent: this.agent,
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'content-length': body.byteLength,
          ...(this.auth ? { authorization: this.auth } : {}),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new WriteFailure(`reading the response failed: ${err.message}`, true)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve();
          const text = Buffer.concat(chunks).toString('utf8').trim().slice(0, 500);
          // 400: InfluxDB refused the points themselves (it keeps the valid ones of a partial write);
          // sending them again cannot help. Everything else may heal: server errors, overload, and
          // auth / database problems an operator can fix while the spool holds the data.
          reject(new WriteFailure(`HTTP ${status}: ${text}`, status !== 400, status));
        });
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => reject(new WriteFailure(err.message, true, undefined, err.code)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
