// The packets of capture files as tshark dissects them — an oracle independent of our decoder —
// kept column-wise in time order, with the questions attribution tests ask of them: who sent what
// to whom, on which port, which DNS names a host asked for and whether it answered any.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

const FIELDS = [
  'frame.time_epoch', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport',
  'tcp.flags', 'dns.flags.response', 'dns.flags.rcode', 'dns.qry.name', 'frame.len',
];

export interface PacketRow {
  t: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** TCP flags (0 for anything else) */
  tcpFlags: number;
  /** DNS: 0 query, 1 response, -1 not DNS */
  dns: number;
  rcode: number;
  /** the first query name, lower case ('' when none) */
  qname: string;
  len: number;
}

export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

const first = (v: string | undefined): string => (v ?? '').split(',')[0]!;

export class PacketIndex {
  private readonly rows: PacketRow[] = [];

  /** Reads every packet of the files (in order; files in time order) through tshark. */
  static async read(files: readonly string[]): Promise<PacketIndex> {
    const index = new PacketIndex();
    for (const f of files) {
      const { stdout } = await run('tshark', ['-r', f, '-T', 'fields', '-E', 'separator=/t', ...FIELDS.flatMap((x) => ['-e', x])], {
        maxBuffer: 1024 * 1024 * 1024, encoding: 'utf8',
      });
      for (const line of stdout.split('\n')) {
        if (!line) continue;
        const c = line.split('\t');
        const tcp = c[5] !== '';
        index.rows.push({
          t: Number(c[0]) * 1000,
          src: first(c[1]) || first(c[3]), dst: first(c[2]) || first(c[4]),
          sport: Number(first(tcp ? c[5] : c[7])) || 0, dport: Number(first(tcp ? c[6] : c[8])) || 0,
          tcpFlags: c[9] ? Number.parseInt(first(c[9]), 16) : 0,
          dns: c[10] === '' ? -1 : Number(first(c[10])), rcode: Number(first(c[11])) || 0,
          qname: first(c[12]).toLowerCase(), len: Number(c[13]),
        });
      }
    }
    return index;
  }

  get size(): number {
    return this.rows.length;
  }

  /** The packets with time in [from, to). */
  *between(from: number, to: number): Generator<PacketRow> {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid]!.t < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.rows.length && this.rows[i]!.t < to; i++) yield this.rows[i]!;
  }

  /** The last packet `host` sent before `t`, and the first at or after it (ms; ±Infinity when none). */
  sentAround(host: string, t: number): { before: number; after: number } {
    let before = -Infinity;
    let after = Infinity;
    for (const r of this.rows) {
      if (r.src !== host) continue;
      if (r.t < t) before = r.t;
      else { after = r.t; break; }
    }
    return { before, after };
  }
}

/** Bytes each source sent to `remote` in [from, to), largest first. */
export function sendersTo(index: PacketIndex, remote: string, from: number, to: number): [string, number][] {
  const bytes = new Map<string, number>();
  for (const r of index.between(from, to)) if (r.dst === remote) bytes.set(r.src, (bytes.get(r.src) ?? 0) + r.len);
  return [...bytes.entries()].sort((a, b) => b[1] - a[1]);
}

/** Whether `name` is `domain` or a name under it. */
export function underDomain(name: string, domain: string): boolean {
  const d = domain.toLowerCase();
  return name === d || name.endsWith(`.${d}`);
}
