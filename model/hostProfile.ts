// A host's behaviour over a 15-minute block as a fixed vector — what it talks, to how many, which
// way, when — for the host autoencoder. The model sees the block next to the host's own typical
// profile (its training mean; its peer group's for a host never seen), so "a workstation serving
// RDP" is a combination it never learned even though the terminal server does exactly that.
import type { WindowStats } from '../capture/index.ts';
import { activeHosts } from './features.ts';
import { HostIndex } from './hostIndex.ts';
import type { SiteCalendar } from './timeSlots.ts';

export const BLOCK_MS = 15 * 60_000;
/** A block with fewer flows than this says nothing reliable about a host's mix of services (two
 * flows make a 50 % share): it is not profiled. */
export const MIN_BLOCK_FLOWS = 5;

const CLASSES = ['web', 'dns', 'mail', 'smb', 'rdp', 'ssh', 'db', 'directory', 'ntp', 'other'] as const;
const CLASS_OF: Record<number, number> = {
  80: 0, 443: 0, 8080: 0, 8443: 0, 53: 1, 25: 2, 465: 2, 587: 2, 993: 2, 995: 2, 143: 2, 445: 3, 139: 3, 3389: 4, 22: 5,
  1433: 6, 3306: 6, 5432: 6, 1521: 6, 389: 7, 636: 7, 88: 7, 123: 8,
};
const OTHER = CLASSES.length - 1;

/** Profile features, in vector order. */
export const PROFILE_FEATURES: readonly string[] = [
  'profile.bytesOut', 'profile.bytesIn', 'profile.remoteShare', 'profile.outShare',
  'profile.peers', 'profile.dstPorts', 'profile.flowsStarted', 'profile.presence', 'profile.servedShare',
  ...CLASSES.map((c) => `profile.initiates.${c}`),
  ...CLASSES.map((c) => `profile.serves.${c}`),
  'profile.workday', 'profile.hourSin', 'profile.hourCos',
];
export const PROFILE_SIZE = PROFILE_FEATURES.length;
/** the time features describe when, not what: they are input only and never the evidence */
export const PROFILE_BEHAVIOUR = PROFILE_SIZE - 3;

interface BlockAccumulator {
  bytesOut: number;
  bytesIn: number;
  toRemote: number;
  peersMax: number;
  portsMax: number;
  started: number;
  present: number;
  initiated: Float64Array;
  served: Float64Array;
}

function emptyBlock(): BlockAccumulator {
  return { bytesOut: 0, bytesIn: 0, toRemote: 0, peersMax: 0, portsMax: 0, started: 0, present: 0, initiated: new Float64Array(CLASSES.length), served: new Float64Array(CLASSES.length) };
}

/**
 * Accumulates every host's current block; `add` returns (through `onBlock`) the finished
 * profiles when a window starts a new block. Allocation is per host per block, not per window;
 * hosts are found by number (hostIndex.ts), not by hashing their address in every window.
 */
export class HostProfileAccumulator {
  private block = NaN;
  private blockStart = 0;
  private windows = 0;
  /** the block's accumulator of each host number */
  private readonly accs: Array<BlockAccumulator | undefined> = [];
  /** host numbers in the order they joined the block */
  private readonly order: number[] = [];
  private readonly pool: BlockAccumulator[] = [];

  /** `index`: the engine's host numbers when the engine already numbers its windows' hosts */
  constructor(private readonly calendar: SiteCalendar, private readonly index: HostIndex = new HostIndex()) {}

  /** `ids`: the numbers of the window's hosts in `index`, when the caller has them. */
  add(w: WindowStats, onBlock: (host: string, profile: Float64Array, blockStart: number) => void, ids?: Int32Array): void {
    const b = Math.floor(w.start / BLOCK_MS);
    if (b !== this.block) {
      this.flush(onBlock);
      this.block = b;
      this.blockStart = b * BLOCK_MS;
    }
    this.windows++;
    const list = activeHosts(w);
    const numbers = ids ?? this.index.number(list);
    for (let k = 0; k < list.length; k++) {
      const h = list[k]!;
      const id = numbers[k]!;
      let a = this.accs[id];
      if (!a) {
        a = this.pool.pop() ?? emptyBlock();
        this.accs[id] = a;
        this.order.push(id);
      }
      a.bytesOut += h.bytesOut;
      a.bytesIn += h.bytesIn;
      a.toRemote += h.bytesToRemote ?? 0;
      if (h.peers > a.peersMax) a.peersMax = h.peers;
      if (h.dstPorts > a.portsMax) a.portsMax = h.dstPorts;
      a.started += h.flowsStarted;
      if (h.packetsOut > 0) a.present++;
    }
    for (const f of w.flowStarts) {
      const cls = CLASS_OF[f.port] ?? OTHER;
      const initiator = f.direction === 'outbound' || f.direction === 'internal' ? this.inBlock(f.local) : undefined;
      if (initiator) initiator.initiated[cls]!++;
      const responder = f.direction === 'inbound' ? this.inBlock(f.local) : f.direction === 'internal' ? this.inBlock(f.remote) : undefined;
      if (responder) responder.served[cls]!++;
    }
  }

  /** Emits the profiles of the open block (call at the end of input). */
  flush(onBlock: (host: string, profile: Float64Array, blockStart: number) => void): void {
    if (this.windows === 0) return;
    const slot = this.calendar.slot(this.blockStart);
    const phase = (2 * Math.PI * (slot.hourOfDay + 0.5)) / 24;
    for (const id of this.order) {
      const a = this.accs[id]!;
      let flows = 0;
      for (let k = 0; k < CLASSES.length; k++) flows += a.initiated[k]! + a.served[k]!;
      if (a.present > 0 && flows >= MIN_BLOCK_FLOWS) onBlock(this.index.names[id]!, profileOf(a, this.windows, slot.dayType === 'weekday' ? 1 : 0, phase), this.blockStart);
      a.bytesOut = 0; a.bytesIn = 0; a.toRemote = 0; a.peersMax = 0; a.portsMax = 0; a.started = 0; a.present = 0;
      a.initiated.fill(0);
      a.served.fill(0);
      this.accs[id] = undefined;
      this.pool.push(a);
    }
    this.order.length = 0;
    this.windows = 0;
  }

  /** The block's accumulator of a host, when it was active in the block. */
  private inBlock(host: string): BlockAccumulator | undefined {
    const id = this.index.peek(host);
    return id === undefined ? undefined : this.accs[id];
  }
}

function profileOf(a: BlockAccumulator, windows: number, workday: number, phase: number): Float64Array {
  const v = new Float64Array(PROFILE_SIZE);
  let i = 0;
  // volumes on a log scale divided so a busy server's block lands near 1
  v[i++] = Math.log1p(a.bytesOut) / 22;
  v[i++] = Math.log1p(a.bytesIn) / 22;
  v[i++] = a.bytesOut > 0 ? a.toRemote / a.bytesOut : 0;
  v[i++] = a.bytesOut + a.bytesIn > 0 ? a.bytesOut / (a.bytesOut + a.bytesIn) : 0;
  v[i++] = Math.log1p(a.peersMax) / 7;
  v[i++] = Math.log1p(a.portsMax) / 7;
  v[i++] = Math.log1p(a.started) / 10;
  v[i++] = a.present / windows;
  let init = 0, served = 0;
  for (let k = 0; k < CLASSES.length; k++) { init += a.initiated[k]!; served += a.served[k]!; }
  v[i++] = init + served > 0 ? served / (init + served) : 0;
  for (let k = 0; k < CLASSES.length; k++) v[i++] = init > 0 ? a.initiated[k]! / init : 0;
  for (let k = 0; k < CLASSES.length; k++) v[i++] = served > 0 ? a.served[k]! / served : 0;
  v[i++] = workday;
  v[i++] = Math.sin(phase);
  v[i++] = Math.cos(phase);
  return v;
}

/** Quantised base64 of a profile (values clipped to [-1, 2], 16 bits). */
export function encodeProfile(v: ArrayLike<number>): string {
  const q = new Uint16Array(v.length);
  for (let i = 0; i < v.length; i++) q[i] = Math.round(((Math.min(2, Math.max(-1, v[i]!)) + 1) / 3) * 65_535);
  return Buffer.from(q.buffer, q.byteOffset, q.byteLength).toString('base64');
}

export function decodeProfile(text: string): Float64Array {
  const b = Buffer.from(text, 'base64');
  const q = new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  if (q.length !== PROFILE_SIZE) throw new Error(`a host profile holds ${q.length} values, expected ${PROFILE_SIZE}; retrain the model`);
  const v = new Float64Array(q.length);
  for (let i = 0; i < q.length; i++) v[i] = (q[i]! / 65_535) * 3 - 1;
  return v;
}
