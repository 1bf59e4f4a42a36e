// Where the real third-party captures are: $SPANWATCH_CAPTURES, or ../shared/captures beside the
// checkout (found through the checkout itself or, in a worktree, through its node_modules link).
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

const REPO = join(import.meta.dirname, '../..');

function candidates(): string[] {
  const out: string[] = [];
  if (process.env.SPANWATCH_CAPTURES) out.push(process.env.SPANWATCH_CAPTURES);
  out.push(join(REPO, '../shared/captures'));
  const modules = join(REPO, 'node_modules');
  if (existsSync(modules)) out.push(join(dirname(dirname(realpathSync(modules))), 'shared/captures'));
  return out;
}

/** The captures folder, or null when none is present (tests that need it skip). */
export function sharedCapturesDir(): string | null {
  return candidates().find((d) => existsSync(join(d, 'benign'))) ?? null;
}
