// `npm run bench`: runs every benchmark in bench/ (files named *.bench.ts) one after another.
// Each prints its own table of ratios against a peer measured in the same run; none asserts timings.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// arguments starting with `--` go to every benchmark run (e.g. `--part site`); the others select files
const passed = process.argv.slice(2).filter((a) => a.startsWith('--'));
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== ${f} ===\n`);
  // the same malloc tuning as bin/spanwatch, so the numbers are the product's
  const env = { ...process.env, GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ?? 'glibc.malloc.hugetlb=1' };
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, f), ...passed], { stdio: 'inherit', env });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`${f}: exited with ${r.status ?? r.signal}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
