// Tests that need root (veth pairs, network namespaces, mounts, running a child as another user)
// are skipped for any other user, with one line saying what and how to include them: as a
// non-root user `npm test` runs everything else.
const IS_ROOT = process.getuid?.() === 0;

/** True (skip) when not root; says why on stderr. Use as `describe.skipIf(withoutRoot('…'))`. */
export function withoutRoot(what: string): boolean {
  if (!IS_ROOT) process.stderr.write(`skipped without root: ${what} (\`sudo npm test\` includes it)\n`);
  return !IS_ROOT;
}
