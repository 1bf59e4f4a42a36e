// GET a URL and report the status code. Not fetch(): it refuses "bad ports" (e.g. 9, 6000, 10080)
// that a free-port probe or a user's InfluxDB may well use.
import http from 'node:http';
import https from 'node:https';

export function httpStatus(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<number> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(u, { headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}
