// `spanwatch stats`: totals for capture files, counted the way capinfos and tshark count them.
import { captureTotals, DIRECTIONS, type FileTotals } from '../../capture/index.ts';
import { CliError } from '../cliError.ts';
import { parseFlags, splitList } from '../options.ts';

export const help = `usage: spanwatch stats FILE... [--json] [--local-net CIDR,...]

Totals for one or more capture files (pcap or pcapng; - = stdin), read as one capture:
packets, bytes on the wire (sum of original lengths), captured bytes, flows (distinct
bidirectional 5-tuples, as tshark's conversation tables count them), packets and bytes per
direction, decode errors, and the first and last timestamp. Every flow is kept to the end, so
memory grows with the number of flows (about 250 bytes each; 64 M flows at most, then the
oldest-idle are evicted and reported).

  --json               one JSON object instead of the table
  --local-net CIDR,... local networks for the direction split (default RFC 1918, RFC 4193,
                       link-local, loopback)

A damaged file is reported and the packets before the damage are counted; the exit status is then 1.
A file that cannot be read at all (missing, not a capture file) is reported and left out: the
totals cover the files that were read and name those that were not; when no file could be read,
only the errors are printed (exit status 1).

examples:
  spanwatch stats office.pcapng
  spanwatch stats --json day1.pcap day2.pcap | jq .flows
`;

export const options = {
  json: { type: 'boolean' },
  'local-net': { type: 'string', multiple: true },
} as const;

function table(t: FileTotals): string {
  const rows: Array<[string, string]> = [
    ...(t.filesNotRead.length > 0
      ? [['files read', t.filesRead.join(', ')], ['not read', t.filesNotRead.join(', ')]] as Array<[string, string]>
      : []),
    ['packets', String(t.packets)],
    ['bytes (on the wire)', String(t.bytes)],
    ['bytes captured', String(t.capturedBytes)],
    ['flows', `${t.flows} (tcp ${t.flowsByProtocol.tcp}, udp ${t.flowsByProtocol.udp}, icmp ${t.flowsByProtocol.icmp}, other ${t.flowsByProtocol.other})`],
    ...(t.flowEvictions > 0 ? [['flow evictions', `${t.flowEvictions} (the table was full: flows is an upper bound)`] as [string, string]] : []),
    ['decode errors', String(t.decodeErrors)],
    ['first packet', t.firstTs ?? '-'],
    ['last packet', t.lastTs ?? '-'],
  ];
  for (const d of DIRECTIONS) rows.push([`${d}`, `${t.directions[d].packets} packets, ${t.directions[d].bytes} bytes`]);
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('stats', argv, options, true);
  if (positionals.length === 0) throw new CliError('stats: give at least one capture file (or - for stdin). See `spanwatch stats --help`.');
  let totals: FileTotals;
  try {
    totals = await captureTotals(positionals, { localNets: splitList(values['local-net']) });
  } catch (err) {
    throw new CliError(`stats: ${(err as Error).message}`, 1);
  }
  for (const n of totals.notices) process.stderr.write(`spanwatch stats: note: ${n}\n`);
  for (const d of totals.damaged) process.stderr.write(`spanwatch stats: ${d.message}\n`);
  // totals of nothing would read as an empty capture
  if (totals.filesRead.length === 0) return 1;
  process.stdout.write(values.json ? JSON.stringify(totals, null, 2) + '\n' : table(totals));
  return totals.damaged.length > 0 ? 1 : 0;
}
