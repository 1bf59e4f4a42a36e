// Compares spanwatch's capture totals with tshark's for one file: packets, sum of frame.len, sum of
// frame.cap_len, first/last timestamp, and TCP + UDP conversations.
//
// The conversation count is compared with tshark run with IP reassembly off (ports come from
// first fragments only, as spanwatch reads them) and with tunnel dissectors off (spanwatch counts
// the outer flow of GRE/VXLAN/Teredo, tshark would count the inner one).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CaptureTotals } from '../capture/index.ts';

const run = promisify(execFile);

export interface ReferenceTotals {
  packets: number;
  bytes: number;
  capturedBytes: number;
  /** seconds.nanoseconds, as tshark prints frame.time_epoch; null without packets */
  first: string | null;
  last: string | null;
  tcpConversations: number;
  udpConversations: number;
  /** tshark's message when it could not read the file to its end; null otherwise */
  damaged: string | null;
}

export const TSHARK_ARGS = [
  '-n', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
  '--disable-protocol', 'gre', '--disable-protocol', 'vxlan', '--disable-protocol', 'teredo',
];

/** seconds.nanoseconds text → [seconds, nanoseconds] for exact ordering. */
function epochParts(text: string): [number, number] {
  const [s, f = ''] = text.split('.');
  return [Number(s), Number((f + '000000000').slice(0, 9))];
}

function laterThan(a: string, b: string): boolean {
  const [as, an] = epochParts(a);
  const [bs, bn] = epochParts(b);
  return as > bs || (as === bs && an > bn);
}

/**
 * Runs a counting tool on `file`. A damaged capture makes it exit non-zero after printing what it
 * read: that output is kept (`failed`); a run that printed nothing is an error.
 */
export async function runKeepingOutput(
  cmd: string, args: string[], file: string,
): Promise<{ stdout: string; stderr: string; failed: boolean }> {
  return run(cmd, args, { maxBuffer: 1 << 30 }).then(
    (r) => ({ ...r, failed: false }),
    (err: { stdout?: string; stderr?: string; message: string }) => {
      if (!err.stdout) throw new Error(`${cmd} could not read ${file}: ${(err.stderr ?? err.message).trim()}`);
      return { stdout: err.stdout, stderr: err.stderr ?? '', failed: true };
    },
  );
}

/** tshark's totals; what it read of a damaged file is counted, and its message kept (`damaged`). */
export async function tsharkTotals(file: string): Promise<ReferenceTotals> {
  const { stdout, stderr, failed } = await runKeepingOutput('tshark', [
    ...TSHARK_ARGS, '-r', file, '-T', 'fields', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.time_epoch',
    '-z', 'conv,tcp', '-z', 'conv,udp',
  ], file);
  const ref: ReferenceTotals = {
    packets: 0, bytes: 0, capturedBytes: 0, first: null, last: null, tcpConversations: 0, udpConversations: 0,
    damaged: failed ? stderr.trim().split('\n')[0] ?? 'damaged' : null,
  };
  let section: 'tcp' | 'udp' | null = null;
  for (const line of stdout.split('\n')) {
    const fields = line.split('\t');
    if (fields.length === 3) {
      ref.packets++;
      ref.bytes += Number(fields[0]);
      ref.capturedBytes += Number(fields[1]);
      const ts = fields[2]!;
      if (ref.first === null || laterThan(ref.first, ts)) ref.first = ts;
      if (ref.last === null || laterThan(ts, ref.last)) ref.last = ts;
    } else if (line.startsWith('TCP Conversations')) section = 'tcp';
    else if (line.startsWith('UDP Conversations')) section = 'udp';
    else if (line.includes('<->')) {
      if (section === 'tcp') ref.tcpConversations++;
      else if (section === 'udp') ref.udpConversations++;
    }
  }
  return ref;
}

/** ISO-8601 with nanoseconds → tshark's seconds.nanoseconds. */
export function isoToEpoch(iso: string | null): string | null {
  if (iso === null) return null;
  const m = /^(.*T\d\d:\d\d:\d\d)\.(\d{9})Z$/.exec(iso);
  if (!m) return iso;
  return `${Math.floor(Date.parse(m[1]! + 'Z') / 1000)}.${m[2]}`;
}

export interface ComparedField {
  field: string;
  spanwatch: string;
  tshark: string;
  equal: boolean;
}

export function compareTotals(ours: CaptureTotals, ref: ReferenceTotals): ComparedField[] {
  const rows: Array<[string, unknown, unknown]> = [
    ['packets', ours.packets, ref.packets],
    ['bytes (frame.len)', ours.bytes, ref.bytes],
    ['captured (frame.cap_len)', ours.capturedBytes, ref.capturedBytes],
    ['first timestamp', isoToEpoch(ours.firstTs), ref.first],
    ['last timestamp', isoToEpoch(ours.lastTs), ref.last],
    ['tcp conversations', ours.flowsByProtocol.tcp, ref.tcpConversations],
    ['udp conversations', ours.flowsByProtocol.udp, ref.udpConversations],
  ];
  return rows.map(([field, a, b]) => ({ field, spanwatch: String(a), tshark: String(b), equal: a === b }));
}
