// vitest globalSetup: one real influxd for the whole run (random loopback port, temporary data
// dir), started by the same code as spanwatch's embedded default. Tests reach it via
// test/helpers/influx.ts. `spanwatch` commands run by tests without --influx share one embedded
// influxd under a temporary SPANWATCH_VAR (never the project's var/) and keep raw points forever
// (SPANWATCH_RETENTION_RAW), since generated test captures carry old fixed dates.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  process.env.SPANWATCH_VAR ??= varDir;
  process.env.SPANWATCH_RETENTION_RAW ??= 'inf';
  return async () => {
    await influx.stop();
    // A sensor run that was killed may have left an embedded influxd under the temporary var dir.
    try {
      const orphan = JSON.parse(readFileSync(join(varDir, 'influxdb', 'embedded.json'), 'utf8')) as { pid: number };
      if (readFileSync(`/proc/${orphan.pid}/cmdline`, 'utf8').includes(varDir)) process.kill(orphan.pid, 'SIGKILL');
    } catch {
      // none started, or already gone
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(varDir, { recursive: true, force: true });
  };
}
