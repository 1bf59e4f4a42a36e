import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyWindowStats, readWindowsJsonl, WindowsFileError, type WindowStats } from '../../capture/index.ts';

async function collect(path: string): Promise<WindowStats[]> {
  const out: WindowStats[] = [];
  for await (const w of readWindowsJsonl(path)) out.push(w);
  return out;
}

describe('windows read back from the sensor\'s JSON lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swjsonl-'));

  it('yields the window records in order and skips other records and blank lines', async () => {
    const a = emptyWindowStats('s1', 1_000, 2_000);
    const b = emptyWindowStats('s1', 2_000, 3_000);
    const path = join(dir, 'mixed.jsonl');
    writeFileSync(path, [
      JSON.stringify({ type: 'window', data: a }), '',
      JSON.stringify({ type: 'anomaly', data: { id: 'x' } }),
      JSON.stringify({ type: 'window', data: b }), '',
    ].join('\n'));
    expect(await collect(path)).toEqual([a, b]);
  });

  it('names the file and line of a line that is not JSON', async () => {
    const path = join(dir, 'broken.jsonl');
    writeFileSync(path, `${JSON.stringify({ type: 'window', data: emptyWindowStats('s1', 0, 1_000) })}\n{"type":\n`);
    const err = await collect(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WindowsFileError);
    expect((err as Error).message).toContain(`${path}:2: not JSON`);
  });

  it('says when the file does not exist', async () => {
    const err = await collect(join(dir, 'absent.jsonl')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WindowsFileError);
    expect((err as Error).message).toMatch(/absent\.jsonl: no such file/);
  });
});
