// WindowStats read back from JSON lines, the sensor's --jsonl output ({"type":"window","data":{...}}
// per line; other record types are skipped).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { WindowStats } from './windowStats.ts';

/** A windows file that cannot be read: the message names the file and line. */
export class WindowsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WindowsFileError';
  }
}

/** The windows of a JSON lines file, in file order. */
export async function* readWindowsJsonl(path: string): AsyncGenerator<WindowStats> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      let rec: { type?: string; data?: WindowStats };
      try {
        rec = JSON.parse(line) as { type?: string; data?: WindowStats };
      } catch {
        throw new WindowsFileError(`${path}:${n}: not JSON; expected lines like {"type":"window","data":{...}} from \`spanwatch sensor --jsonl\``);
      }
      if (rec.type === 'window' && rec.data) yield rec.data;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new WindowsFileError(`${path}: no such file`);
    throw err;
  }
}
