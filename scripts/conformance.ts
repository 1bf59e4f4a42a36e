// `npm run conformance -- DIR`: runs `spanwatch stats --json` on every capture under DIR and compares
// it with tshark. Prints one row per file and exits 1 on any mismatch.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectCaptureFormat, FORMAT_PROBE_BYTES, type FileTotals } from '../capture/index.ts';
import { compareTotals, runKeepingOutput, tsharkTotals, type ReferenceTotals } from './conformanceCheck.ts';

const spanwatch = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'spanwatch');
/** Files under `dir` that are captures by their content (as spanwatch detects them), whatever their names. */
function capturesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...capturesUnder(path));
    else if (isCapture(path)) out.push(path);
  }
  return out;
}

function isCapture(path: string): boolean {
  const head = Buffer.alloc(FORMAT_PROBE_BYTES);
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, head, 0, head.length, 0);
    return detectCaptureFormat(head.subarray(0, n)) !== null;
  } finally {
    closeSync(fd);
  }
}

/** `spanwatch stats --json`; a damaged file exits 1 after printing the totals of what was read. */
async function spanwatchTotals(file: string): Promise<FileTotals> {
  return JSON.parse((await runKeepingOutput(spanwatch, ['stats', '--json', file], file)).stdout) as FileTotals;
}

async function main(args: string[]): Promise<number> {
  if (args.length !== 1) {
    process.stderr.write('usage: npm run conformance -- DIR   (compares spanwatch stats with tshark for every capture under DIR)\n');
    return 2;
  }
  const dir = resolve(args[0]!);
  const files = capturesUnder(dir);
  if (files.length === 0) {
    process.stderr.write(`conformance: no capture files (pcap or pcapng, by content) under ${dir}\n`);
    return 2;
  }
  const header = ['file', 'packets', 'bytes', 'captured', 'first/last ts', 'tcp conv', 'udp conv', 'result'];
  const rows: string[][] = [];
  let failures = 0;
  for (const file of files) {
    let ours: FileTotals;
    let ref: ReferenceTotals;
    try {
      [ours, ref] = await Promise.all([spanwatchTotals(file), tsharkTotals(file)]);
    } catch (err) {
      failures++;
      rows.push([relative(dir, file), '', '', '', '', '', '', `ERROR: ${(err as Error).message.split('\n')[0]}`]);
      continue;
    }
    const cmp = compareTotals(ours, ref);
    const cell = (i: number): string => (cmp[i]!.equal ? cmp[i]!.spanwatch : `${cmp[i]!.spanwatch} ≠ ${cmp[i]!.tshark}`);
    const tsOk = cmp[3]!.equal && cmp[4]!.equal;
    // a damaged file conforms when both read the same packets before the damage
    const damagedBoth = ours.damaged.length > 0 && ref.damaged !== null;
    const ok = cmp.every((c) => c.equal) && (ours.damaged.length > 0) === (ref.damaged !== null);
    if (!ok) failures++;
    rows.push([
      relative(dir, file), cell(0), cell(1), cell(2), tsOk ? 'equal' : `${cmp[3]!.spanwatch}…${cmp[4]!.spanwatch} ≠ ${cmp[3]!.tshark}…${cmp[4]!.tshark}`,
      cell(5), cell(6), !ok ? `MISMATCH${damagedBoth || ref.damaged === null ? '' : ' (only tshark found damage)'}` : damagedBoth ? 'ok (damaged: both stop at the same packet)' : 'ok',
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n') + '\n');
  process.stdout.write(`${files.length - failures} of ${files.length} captures equal to tshark\n`);
  return failures > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
