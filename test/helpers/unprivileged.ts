// Runs a piece of the project as `nobody` (uid 65534, no capabilities) without depending on where
// the checkout lives: a checkout in a private home (0700) or behind any directory nobody cannot
// enter is unreadable to that user, so the program is bundled with esbuild into a world-readable
// temporary directory, together with the libpcap binding and, when nobody cannot run it, node.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { preparePcapAddon } from '../../capture/index.ts';

const CHECKOUT = join(import.meta.dirname, '..', '..');
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all'];

export interface UnprivilegedProgram {
  /** the folder holding everything the program reads (world-readable) */
  dir: string;
  /** Runs the program as nobody and returns its stdout; throws with its stderr when it fails. */
  run(args?: string[]): string;
  remove(): void;
}

function runsAsNobody(file: string, args: string[]): boolean {
  return spawnSync('setpriv', [...NOBODY, file, ...args], { stdio: 'ignore', cwd: '/' }).status === 0;
}

/**
 * Bundles `source` (TypeScript; imports are resolved from the checkout's root, e.g.
 * `./capture/io/index.ts`) into a fresh folder under the system's temporary directory that
 * nobody can read. Needs root (setpriv changes the user).
 */
export async function bundleForNobody(name: string, source: string): Promise<UnprivilegedProgram> {
  const dir = mkdtempSync(join(tmpdir(), `spanwatch-${name}-`));
  chmodSync(dir, 0o755);
  // The bundle keeps the checkout's layout for what the code finds beside itself: the libpcap
  // binding loads var/native/pcap-capture.node relative to capture/io/.
  const entry = join(dir, 'capture', 'io', `${name}.mjs`);
  await build({
    stdin: { contents: source, resolveDir: CHECKOUT, loader: 'ts', sourcefile: `${name}.ts` },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: entry,
    logLevel: 'silent',
  });
  const addon = preparePcapAddon();
  if (addon.ok) {
    const copy = join(dir, relative(CHECKOUT, addon.path));
    mkdirSync(dirname(copy), { recursive: true });
    copyFileSync(addon.path, copy);
  }
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  if (!runsAsNobody('/bin/true', [])) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`setpriv could not run a program as nobody (uid 65534): these tests need root and util-linux's setpriv`);
  }
  // node under a private prefix (e.g. ~/.nvm as root) is out of nobody's reach too
  let node = process.execPath;
  if (!runsAsNobody(node, ['-e', '0'])) {
    node = join(dir, 'node');
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
  }
  if (!runsAsNobody(node, ['--check', entry])) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nobody cannot read ${entry}: ${tmpdir()} (the system's temporary directory) must be world-readable`);
  }
  return {
    dir,
    run: (args = []) =>
      execFileSync('setpriv', [...NOBODY, node, entry, ...args], {
        encoding: 'utf8',
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
