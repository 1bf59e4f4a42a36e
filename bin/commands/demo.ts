// `spanwatch demo`: the embedded default a new user meets first. Generates (once) the bundled
// office dataset, trains a baseline on its normal days (once), then serves the UI while the
// incident day is replayed through the live pipeline at an accelerated speed.
import { join, resolve } from 'node:path';
import { ensureDemoDataset, type DatasetManifest } from '../../datasets/index.ts';
import { liveVersion } from '../../model/index.ts';
import { UserStore } from '../../server/index.ts';
import { CliError } from '../cliError.ts';
import { parseFlags } from '../options.ts';
import * as serve from './serve.ts';
import * as train from './train.ts';

export const help = `usage: spanwatch demo [options]

Everything on this machine on the bundled dataset:
  1. generates the demo dataset once into <var>/datasets/demo (a small office: three normal
     days, then a day with one incident of every kind; no download),
  2. trains a baseline on the normal days once (reused by later runs) and makes it live,
  3. starts an embedded influxd under <var>/influxdb,
  4. replays the incident day through the live pipeline at --speed and serves the UI,
  5. prints the URL and a token for user "demo" (role admin).
Ctrl-C stops the replay, the server and the influxd it started, and says so; the dataset, the
model, the stored windows and anomalies and the users stay under <var> for the next start.

options:
  --var DIR        working folder (default ./var, env SPANWATCH_VAR)
  --host H         address to bind (default 127.0.0.1)
  --port N         port (default 8080)
  --speed S        replay speed of the incident day: a multiplier or max (default 120)

examples:
  npm start
  spanwatch demo --speed 600 --port 8090
`;

export const options = {
  var: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  speed: { type: 'string' },
} as const;

function stderr(line: string): void {
  process.stderr.write(`spanwatch demo: ${line}\n`);
}

async function ensureDataset(varDir: string): Promise<DatasetManifest> {
  let last = -1;
  const manifest = await ensureDemoDataset(varDir, (p) => {
    const pct = Math.floor((((p.day - 1) * 24 + p.hour) / (p.days * 24)) * 100);
    if (pct !== last && pct % 10 === 0) {
      last = pct;
      stderr(`generating the demo dataset: ${pct}% (day ${p.day} of ${p.days}, ${p.packets.toLocaleString('en')} packets)`);
    }
  });
  stderr(`dataset: ${manifest.dir} (${manifest.files.length} days, ${manifest.packets.toLocaleString('en')} packets)`);
  return manifest;
}

async function ensureModel(manifest: DatasetManifest, modelsDir: string): Promise<void> {
  const live = liveVersion(modelsDir);
  if (live) {
    stderr(`model: ${live} (trained earlier; remove ${modelsDir} to train again)`);
    return;
  }
  const trainFiles = manifest.files.slice(0, -1).map((f) => join(manifest.dir, f.file));
  stderr(`training a baseline on ${trainFiles.length} normal days …`);
  const code = await train.run([
    '--pcap', ...trainFiles,
    ...manifest.labels.localNets.flatMap((n) => ['--local-net', n]),
    '--models', modelsDir, '--promote',
  ]);
  if (code) throw new CliError('demo: training failed (see above)', 1);
}

/** A fresh token for user "demo" on every start: tokens are stored hashed, so it can't be shown again. */
function demoToken(varDir: string): string {
  return new UserStore(join(varDir, 'users.json')).add('demo', 'admin');
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('demo', argv, options);
  const varDir = resolve(values.var ?? (process.env.SPANWATCH_VAR || 'var'));
  const modelsDir = join(varDir, 'models');
  const host = values.host ?? '127.0.0.1';
  const port = values.port ?? '8080';
  // Ctrl-C before the server runs: say what was cut short and what the next start does about it
  let preparing = 'generating the demo dataset (the next start generates it again)';
  const interrupted = (): void => {
    // a progress bar may hold the line
    process.stderr.write('\n');
    stderr(`interrupted while ${preparing}`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const manifest = await ensureDataset(varDir);
  preparing = 'training the baseline (the dataset is kept in ' + manifest.dir + '; the next start trains again)';
  await ensureModel(manifest, modelsDir);
  process.off('SIGINT', interrupted);
  process.off('SIGTERM', interrupted);
  const token = demoToken(varDir);
  const incidentDay = manifest.files[manifest.files.length - 1]!;
  const labels = manifest.labels;

  process.stdout.write([
    '',
    `  spanwatch demo — open http://${host}:${port}/ and sign in with this token (user demo, admin):`,
    '',
    `    ${token}`,
    '',
    `  Replaying ${incidentDay.file} (${labels.incidents.length} labelled incidents) at ${values.speed ?? '120'}× — Ctrl-C to stop.`,
    '',
  ].join('\n') + '\n');

  const code = await serve.run([
    '--var', varDir, '--models', modelsDir, '--host', host, '--port', port,
    // the dataset is dated in the past: keep its points instead of letting the retention policies drop them
    '--retention-raw', 'inf', '--retention-1m', 'inf', '--retention-1h', 'inf', '--retention-events', 'inf',
    '--sensor', '--sensor-name', 'demo', '--speed', values.speed ?? '120',
    '--pcap', join(manifest.dir, incidentDay.file),
    ...labels.localNets.flatMap((n) => ['--local-net', n]),
    '--ioc', join(manifest.dir, labels.iocFile),
    '--criticality', join(manifest.dir, labels.criticalityFile),
  ]);
  process.stderr.write([
    `spanwatch demo: stopped. Kept in ${varDir} for the next start:`,
    `  dataset      ${manifest.dir}`,
    `  model        ${liveVersion(modelsDir) ?? '(none live)'} in ${modelsDir}`,
    `  stored data  ${join(varDir, 'influxdb')} (the replayed windows and anomalies)`,
    `  users        ${join(varDir, 'users.json')}`,
    'The next `spanwatch demo` (npm start) reuses them and prints a new token; remove that folder to start from scratch.',
  ].join('\n') + '\n');
  return code;
}
