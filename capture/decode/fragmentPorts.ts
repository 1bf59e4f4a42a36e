// Remembers the ports of recent first fragments so that later fragments of the same datagram
// (same addresses, protocol and fragment id) count towards the same flow. A fixed-size direct-mapped
// table: a newer datagram overwrites an older one in its slot, so a later fragment whose first
// fragment was overwritten (or never seen) keeps ports 0 and is counted on its address pair.
import type { DecodedPacket } from './decodedPacket.ts';

const SLOTS = 4096;
const KEY_WORDS = 10;

export class FragmentPorts {
  private readonly keys = new Uint32Array(SLOTS * KEY_WORDS);
  private readonly ports = new Uint32Array(SLOTS);
  private readonly used = new Uint8Array(SLOTS);

  private slot(p: DecodedPacket, id: number): number {
    let h = (id ^ p.proto ^ Math.imul(p.src[0]! ^ p.src[3]!, 0x9e3779b1) ^ Math.imul(p.dst[0]! ^ p.dst[3]!, 0x85ebca6b)) >>> 0;
    h ^= h >>> 15;
    return h & (SLOTS - 1);
  }

  private matches(s: number, p: DecodedPacket, id: number): boolean {
    const k = this.keys;
    const b = s * KEY_WORDS;
    return this.used[s] === 1 && k[b] === id && k[b + 1] === p.proto
      && k[b + 2] === p.src[0] && k[b + 3] === p.src[1] && k[b + 4] === p.src[2] && k[b + 5] === p.src[3]
      && k[b + 6] === p.dst[0] && k[b + 7] === p.dst[1] && k[b + 8] === p.dst[2] && k[b + 9] === p.dst[3];
  }

  remember(p: DecodedPacket, id: number): void {
    const s = this.slot(p, id);
    const b = s * KEY_WORDS;
    const k = this.keys;
    k[b] = id;
    k[b + 1] = p.proto;
    for (let i = 0; i < 4; i++) {
      k[b + 2 + i] = p.src[i]!;
      k[b + 6 + i] = p.dst[i]!;
    }
    this.ports[s] = ((p.sport << 16) | p.dport) >>> 0;
    this.used[s] = 1;
  }

  /** Fills sport/dport from the datagram's first fragment; false when it is not known. */
  recall(p: DecodedPacket, id: number): boolean {
    const s = this.slot(p, id);
    if (!this.matches(s, p, id)) return false;
    const v = this.ports[s]!;
    p.sport = v >>> 16;
    p.dport = v & 0xffff;
    return true;
  }
}
