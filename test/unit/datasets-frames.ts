// Reads a generated capture back through the project's file reader and decodes the few fields the
// dataset tests check (Ethernet/IPv4/TCP/UDP/DNS question), independently of the capture module's decoder.
import { openFileSource } from '../../capture/io/index.ts';

export interface Frame {
  /** ms since the epoch */
  ms: number;
  wireLen: number;
  src: string;
  dst: string;
  proto: 'tcp' | 'udp' | 'arp' | 'other';
  sport: number;
  dport: number;
  tcpFlags: number;
  /** DNS question name for UDP port 53, else '' */
  dnsName: string;
  /** DNS header flags for UDP port 53 */
  dnsFlags: number;
}

function ip(d: Uint8Array, off: number): string {
  return `${d[off]}.${d[off + 1]}.${d[off + 2]}.${d[off + 3]}`;
}

function dnsQuestion(d: Uint8Array, off: number): string {
  const labels: string[] = [];
  let i = off + 12;
  while (i < d.length && d[i]! > 0) {
    const len = d[i]!;
    labels.push(String.fromCharCode(...d.subarray(i + 1, i + 1 + len)));
    i += len + 1;
  }
  return labels.join('.');
}

export async function readFrames(path: string, keep: (f: Frame) => boolean = () => true): Promise<Frame[]> {
  const out: Frame[] = [];
  const source = openFileSource([path]);
  await source.run((p) => {
    const d = p.data;
    const f: Frame = {
      ms: p.tsSec * 1000 + p.tsNsec / 1e6, wireLen: p.origLen, src: '', dst: '', proto: 'other',
      sport: 0, dport: 0, tcpFlags: 0, dnsName: '', dnsFlags: 0,
    };
    const etherType = (d[12]! << 8) | d[13]!;
    if (etherType === 0x0806) {
      f.proto = 'arp';
    } else if (etherType === 0x0800) {
      f.src = ip(d, 26);
      f.dst = ip(d, 30);
      const l4 = 14 + (d[14]! & 0x0f) * 4;
      const proto = d[23];
      if (proto === 6 || proto === 17) {
        f.sport = (d[l4]! << 8) | d[l4 + 1]!;
        f.dport = (d[l4 + 2]! << 8) | d[l4 + 3]!;
      }
      if (proto === 6) {
        f.proto = 'tcp';
        f.tcpFlags = d[l4 + 13]!;
      } else if (proto === 17) {
        f.proto = 'udp';
        if (f.sport === 53 || f.dport === 53) {
          f.dnsFlags = (d[l4 + 10]! << 8) | d[l4 + 11]!;
          f.dnsName = dnsQuestion(d, l4 + 8);
        }
      }
    }
    if (keep(f)) out.push(f);
  });
  return out;
}
