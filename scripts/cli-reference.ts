// Writes docs/cli.md from the commands' own --help texts, so the reference cannot drift from them.
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const COMMANDS = ['sensor', 'stats', 'train', 'evaluate', 'generate', 'serve', 'user', 'audit', 'demo'];
const run = (args: string[]): string => execFileSync('bin/spanwatch', args, { encoding: 'utf8' }).trimEnd();

const parts = [
  '# Command-line reference',
  '',
  'Generated from `spanwatch <command> --help` by `node --import tsx scripts/cli-reference.ts`.',
  'Every flag can also come from the environment (`SPANWATCH_<COMMAND>_<FLAG>` or `SPANWATCH_<FLAG>`,',
  'and `INFLUX_URL` for `--influx`) or from the config file (see docs/deploy/spanwatch.example.jsonc).',
  'Values are read by one set of parsers (`bin/options.ts`): sizes take binary multiples `k`, `M`, `G`,',
  '`T` (1024 … 1024⁴, with or without `iB`/`B`), durations `ms`, `s`, `m`, `h`, `d`, times ISO-8601',
  'or milliseconds since the epoch.',
  '',
  '```',
  run(['--help']),
  '```',
];
for (const c of COMMANDS) parts.push('', `## spanwatch ${c}`, '', '```', run([c, '--help']), '```');
writeFileSync('docs/cli.md', parts.join('\n') + '\n');
