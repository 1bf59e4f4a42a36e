// A small JSON file that serve and the command line both change (users, suppressions). Every change
// is made under a lock file, on the content as it is on disk at that moment (re-read first), and
// written atomically (temp file, fsync, rename, fsync of the directory): a reader never sees half a
// file, a crash leaves the old or the new version, and no process overwrites another's change.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { withFileLockSync } from '../../store/index.ts';

export interface FileSnapshot<T> {
  value: T;
  /** identity of what was read (inode, size, mtime); '' when the file is absent */
  version: string;
}

export function fileVersion(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}

/** Writes `text` to `file` so that the file is always either the old or the new content. */
export function writeFileAtomic(file: string, text: string, mode = 0o600): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  // the rename itself is durable only once the directory is synced
  const dfd = openSync(dir, 'r');
  try { fsyncSync(dfd); } finally { closeSync(dfd); }
}

export class SharedJsonFile<T> {
  constructor(
    readonly file: string,
    /** turns parsed JSON into T, throwing an error that says what is wrong with the file */
    private readonly decode: (raw: unknown) => T,
    private readonly empty: () => T,
    /** the JSON document that holds T */
    private readonly encode: (value: T) => unknown,
  ) {}

  read(): FileSnapshot<T> {
    const version = fileVersion(this.file);
    if (version === '') return { value: this.empty(), version };
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (err) {
      throw new Error(`${this.file} is not valid JSON (${(err as Error).message}); fix or remove it`);
    }
    return { value: this.decode(raw), version };
  }

  /** Applies `change` to the current content under the lock and writes the result atomically. */
  update<R>(change: (current: T) => { next: T; result: R } | null): { snapshot: FileSnapshot<T>; result: R | null } {
    mkdirSync(dirname(this.file), { recursive: true });
    return withFileLockSync(`${this.file}.lock`, () => {
      const current = this.read();
      const out = change(current.value);
      if (out === null) return { snapshot: current, result: null };
      writeFileAtomic(this.file, JSON.stringify(this.encode(out.next), null, 2) + '\n');
      return { snapshot: { value: out.next, version: fileVersion(this.file) }, result: out.result };
    });
  }
}
