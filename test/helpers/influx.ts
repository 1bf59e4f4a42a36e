// The shared test influxd (started in test/setup/influxd.ts) and a private database per test file.
import { randomBytes } from 'node:crypto';
import { InfluxDB } from 'influx';
import { inject } from 'vitest';

export function testInfluxUrl(): string {
  const url = inject('influxUrl');
  if (!url) throw new Error('no test influxd: vitest.config.ts must list test/setup/influxd.ts in globalSetup');
  return url;
}

export interface FreshDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the test influxd, named `<prefix>_<random>`. */
export async function freshDatabase(prefix: string): Promise<FreshDatabase> {
  const url = testInfluxUrl();
  const name = `${prefix.replace(/[^A-Za-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
  const client = new InfluxDB(url);
  await client.createDatabase(name);
  return { name, url, drop: () => client.dropDatabase(name) };
}
