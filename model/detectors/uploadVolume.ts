// Outbound payload per local host summed over a sliding minute: a sustained upload that never
// stands out in any single second (15 MB over four minutes) still stands out over a minute.
// Hosts are numbered once and the minute is a ring of typed arrays, so a window of thousands of
// hosts costs one map lookup per host and no allocation.
import type { WindowStats } from '../../capture/index.ts';
import { HEADER_BYTES_PER_PACKET, activeHosts, hostPayloadToRemote } from '../features.ts';

export const UPLOAD_HORIZON_MS = 60_000;

interface RingSlot { ids: Int32Array; bytes: Float64Array; n: number }

export class RollingUpload {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private sums = new Float64Array(256);
  private receivers: Array<string | undefined> = [];
  private readonly ring: RingSlot[] = [];
  private head = -1;
  /** windows in the sliding minute */
  readonly horizon: number;

  constructor(durationMs: number) {
    this.horizon = Math.max(1, Math.round(UPLOAD_HORIZON_MS / Math.max(1, durationMs)));
    for (let i = 0; i < this.horizon; i++) this.ring.push({ ids: new Int32Array(64), bytes: new Float64Array(64), n: 0 });
  }

  /** Adds a window; returns how many hosts sent something in it (read them with host/minute/latest/receiver). */
  add(w: WindowStats): number {
    this.head = (this.head + 1) % this.horizon;
    const slot = this.ring[this.head]!;
    // the window leaving the minute
    for (let k = 0; k < slot.n; k++) {
      const id = slot.ids[k]!;
      const s = this.sums[id]! - slot.bytes[k]!;
      this.sums[id] = s > 1e-6 ? s : 0;
    }
    slot.n = 0;
    const o = w.directions.outbound;
    // windows recorded before hosts' remote bytes were counted only bound a host by what left the network
    const leftNetwork = Math.max(0, o.bytes - o.packets * HEADER_BYTES_PER_PACKET);
    for (const h of activeHosts(w)) {
      const p = Math.min(hostPayloadToRemote(h), leftNetwork);
      if (p <= 0) continue;
      const id = this.idOf(h.host);
      if (slot.n === slot.ids.length) this.growSlot(slot);
      slot.ids[slot.n] = id;
      slot.bytes[slot.n] = p;
      slot.n++;
      this.sums[id] += p;
      this.receivers[id] = h.topRemote;
    }
    return slot.n;
  }

  /** The i-th host that sent in the latest window. */
  host(i: number): string {
    return this.names[this.ring[this.head]!.ids[i]!]!;
  }

  /** Its payload over the sliding minute, bytes. */
  minute(i: number): number {
    return this.sums[this.ring[this.head]!.ids[i]!]!;
  }

  /** Its payload in the latest window, bytes. */
  latest(i: number): number {
    return this.ring[this.head]!.bytes[i]!;
  }

  /** The remote that received most of what it sent in the latest window, if known. */
  receiver(i: number): string | undefined {
    return this.receivers[this.ring[this.head]!.ids[i]!];
  }

  private idOf(host: string): number {
    let id = this.ids.get(host);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(host, id);
      this.names.push(host);
      if (id >= this.sums.length) {
        const grown = new Float64Array(this.sums.length * 2);
        grown.set(this.sums);
        this.sums = grown;
      }
    }
    return id;
  }

  private growSlot(slot: RingSlot): void {
    const ids = new Int32Array(slot.ids.length * 2);
    ids.set(slot.ids);
    const bytes = new Float64Array(slot.bytes.length * 2);
    bytes.set(slot.bytes);
    slot.ids = ids;
    slot.bytes = bytes;
  }
}
