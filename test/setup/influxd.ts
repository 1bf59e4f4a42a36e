// vitest globalSetup: one real influxd for the whole run (random loopback port, temporary data
// dir), started by the same code as spanwatch's embedded default. Tests reach it via
// test/helpers/influx.ts.
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
  const influx = await startEmbeddedInflux({ dataDir });
  project.provide('influxUrl', influx.url);
  return async () => {
    await influx.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
