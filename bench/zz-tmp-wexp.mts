import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { InfluxDB, type IPoint } from 'influx';
import { InfluxWriter, connectStore, startEmbeddedInflux, windowStatsToPoints } from '/work/main/store/index.ts';
import { syntheticWindow } from '/work/main/test/helpers/storeWindows.ts';
const dir = mkdtempSync(join(tmpdir(), 'wexp-'));
const influx = await startEmbeddedInflux({ dataDir: join(dir, 'i') });
const start = Math.floor(Date.now() / 1000) * 1000 - 8000 * 1000 - 60_000;
const windows = Array.from({ length: 4000 }, (_, i) => windowStatsToPoints(syntheticWindow('bench', start + i * 1000, i + 1)));
const N = windows.reduce((a, w) => a + w.length, 0);
let k = 0;
for (let rep = 0; rep < 3; rep++) {
  for (const inflight of [1, 2, 4, 0]) {
    const conn = await connectStore({ url: influx.url, database: 'x' + (k++) });
    const t0 = performance.now();
    if (inflight === 0) {
      const client = new InfluxDB({ host: '127.0.0.1', port: Number(new URL(influx.url).port), database: conn.database });
      let batch: IPoint[] = [];
      for (const pts of windows) { for (const p of pts) batch.push({ measurement: p.measurement, tags: p.tags, fields: p.fields, timestamp: p.time }); if (batch.length >= 5000) { await client.writePoints(batch, { precision: 'ms', retentionPolicy: 'raw' }); batch = []; } }
      if (batch.length) await client.writePoints(batch, { precision: 'ms', retentionPolicy: 'raw' });
    } else {
      const w = new InfluxWriter({ endpoint: conn.endpoint, database: conn.database, retentionPolicies: conn.retentionPolicies, spoolDir: join(dir, 's' + k), maxInFlight: inflight, maxQueuedPoints: 1e7 });
      for (const p of windows) w.write(p);
      await w.flush();
      await w.close();
    }
    console.log(rep, inflight || 'raw', Math.round(N / ((performance.now() - t0) / 1000)));
  }
}
await influx.stop();
