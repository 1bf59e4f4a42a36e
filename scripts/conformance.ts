// `npm run conformance -- DIR`: runs `spanwatch stats --json` on every capture under DIR and compares
// it with tshark. Prints one row per file and exits 1 on any mismatch.
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CaptureTotals } from '../capture/index.ts';
import { compareTotals, tsharkTotals } from './conformanceCheck.ts';

const run = promisify(execFile);
const spanwatch = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'spanwatch');
const CAPTURE_NAME = /\.(pcap|pcapng|cap|dmp)(\.\d+)?$/i;

function capturesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...capturesUnder(path));
    else if (CAPTURE_NAME.test(name)) out.push(path);
  }
  return out;
}

async function main(args: string[]): Promise<number> {
  if (args.length !== 1) {
    process.stderr.write('usage: npm run conformance -- DIR   (compares spanwatch stats with tshark for every capture under DIR)\n');
    return 2;
  }
  const dir = resolve(args[0]!);
  const files = capturesUnder(dir);
  if (files.length === 0) {
    process.stderr.write(`conformance: no capture files (*.pcap, *.pcapng, *.cap) under ${dir}\n`);
    return 2;
  }
  const header = ['file', 'packets', 'bytes', 'captured', 'first/last ts', 'tcp conv', 'udp conv', 'result'];
  const rows: string[][] = [];
  let failures = 0;
  for (const file of files) {
    const [ours, ref] = await Promise.all([
      run(spanwatch, ['stats', '--json', file], { maxBuffer: 1 << 26 }).then((r) => JSON.parse(r.stdout) as CaptureTotals),
      tsharkTotals(file),
    ]);
    const cmp = compareTotals(ours, ref);
    const cell = (i: number): string => (cmp[i]!.equal ? cmp[i]!.spanwatch : `${cmp[i]!.spanwatch} ≠ ${cmp[i]!.tshark}`);
    const tsOk = cmp[3]!.equal && cmp[4]!.equal;
    const ok = cmp.every((c) => c.equal);
    if (!ok) failures++;
    rows.push([
      relative(dir, file), cell(0), cell(1), cell(2), tsOk ? 'equal' : `${cmp[3]!.spanwatch}…${cmp[4]!.spanwatch} ≠ ${cmp[3]!.tshark}…${cmp[4]!.tshark}`,
      cell(5), cell(6), ok ? 'ok' : 'MISMATCH',
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n') + '\n');
  process.stdout.write(`${files.length - failures} of ${files.length} captures equal to tshark\n`);
  return failures > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
