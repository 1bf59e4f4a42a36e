// vitest globalSetup: one real influxd for the whole run (random loopback port, temporary data
// dir), started by the same code as spanwatch's embedded default. Tests reach it via
// test/helpers/influx.ts. `spanwatch sensor` runs inside tests write to it too (INFLUX_URL), and
// keep their spools under a temporary SPANWATCH_VAR, never under the project's var/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedInflux } from '../../store/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spanwatch-test-influxd-'));
  const varDir = mkdtempSync(join(tmpdir(), 'spanwatch-test-var-'));
  const influx = await startEmbeddedInflux({ dataDir });
  project.provide('influxUrl', influx.url);
  process.env.INFLUX_URL ??= influx.url;
  process.env.SPANWATCH_VAR ??= varDir;
  return async () => {
    await influx.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(varDir, { recursive: true, force: true });
  };
}
