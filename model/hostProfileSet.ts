// Training side of the host model: every host's 15-minute profiles, streamed into a bounded,
// seeded sample (rows, not objects), each host's mean profile, and the split into training days
// and held-out whole days (every third day once three or more were seen).
import type { WindowStats } from '../capture/index.ts';
import { BLOCK_MS, HostProfileAccumulator, PROFILE_BEHAVIOUR, PROFILE_SIZE, encodeProfile } from './hostProfile.ts';
import { HOST_INPUT_SIZE, type HostTrainingRows } from './hostModel.ts';
import { seededRandom } from './seededRandom.ts';
import type { SiteCalendar } from './timeSlots.ts';
import { subnetOf } from './hostBaselines.ts';

/** profile rows kept at most (a reservoir over all blocks of all hosts) */
export const MAX_PROFILE_ROWS = 200_000;
/** rows the autoencoder trains on at most (evenly taken from the kept training rows) */
const MAX_HOST_TRAIN_ROWS = 40_000;

export class HostProfileSet {
  private readonly acc: HostProfileAccumulator;
  private rows = new Float32Array(PROFILE_SIZE * 4096);
  private hostOf = new Int32Array(4096);
  private dayOf = new Int32Array(4096);
  private blockOf = new Int32Array(4096);
  private kept = 0;
  private seen = 0;
  private readonly hostIndex = new Map<string, number>();
  private readonly hostNames: string[] = [];
  private readonly sums: Float64Array[] = [];
  private readonly counts: number[] = [];
  private readonly days = new Map<string, number>();
  private readonly rand: () => number;
  private readonly emit = (host: string, profile: Float64Array, blockStart: number): void => this.addBlock(host, profile, blockStart);

  constructor(seed: number, private readonly calendar: SiteCalendar) {
    this.acc = new HostProfileAccumulator(calendar);
    this.rand = seededRandom(seed ^ 0x4057);
  }

  add(w: WindowStats): void {
    this.acc.add(w, this.emit);
  }

  private addBlock(host: string, profile: Float64Array, blockStart: number): void {
    let h = this.hostIndex.get(host);
    if (h === undefined) {
      h = this.hostNames.length;
      this.hostIndex.set(host, h);
      this.hostNames.push(host);
      this.sums.push(new Float64Array(PROFILE_SIZE));
      this.counts.push(0);
    }
    const sum = this.sums[h]!;
    for (let i = 0; i < PROFILE_SIZE; i++) sum[i] += profile[i]!;
    this.counts[h]!++;
    const date = this.calendar.slot(blockStart).date;
    let d = this.days.get(date);
    if (d === undefined) { d = this.days.size; this.days.set(date, d); }
    this.seen++;
    let at: number;
    if (this.kept < MAX_PROFILE_ROWS) {
      at = this.kept++;
      if (at >= this.hostOf.length) this.grow();
    } else {
      at = Math.floor(this.rand() * this.seen);
      if (at >= MAX_PROFILE_ROWS) return;
    }
    this.rows.set(profile, at * PROFILE_SIZE);
    this.hostOf[at] = h;
    this.dayOf[at] = d;
    this.blockOf[at] = Math.floor(blockStart / BLOCK_MS);
  }

  private grow(): void {
    const n = this.hostOf.length * 2;
    const rows = new Float32Array(n * PROFILE_SIZE);
    rows.set(this.rows);
    this.rows = rows;
    const hosts = new Int32Array(n);
    hosts.set(this.hostOf);
    this.hostOf = hosts;
    const days = new Int32Array(n);
    days.set(this.dayOf);
    this.dayOf = days;
    const blocks = new Int32Array(n);
    blocks.set(this.blockOf);
    this.blockOf = blocks;
  }

  /** Each host's mean profile, encoded; and each peer group's mean of its members' means. */
  profiles(roles: Record<string, string>): { profiles: Record<string, string>; groupProfiles: Record<string, string> } {
    this.acc.flush(this.emit);
    const profiles: Record<string, string> = {};
    const groups = new Map<string, { sum: Float64Array; n: number }>();
    const order = this.hostNames.map((name, i) => ({ name, i })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const { name, i } of order) {
      const mean = this.mean(i);
      profiles[name] = encodeProfile(mean);
      const role = roles[name];
      for (const g of [...(role ? [`role:${role}`] : []), subnetOf(name), 'all']) {
        const e = groups.get(g) ?? { sum: new Float64Array(PROFILE_SIZE), n: 0 };
        for (let k = 0; k < PROFILE_SIZE; k++) e.sum[k] += mean[k]!;
        e.n++;
        groups.set(g, e);
      }
    }
    const groupProfiles: Record<string, string> = {};
    for (const [g, e] of [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) groupProfiles[g] = encodeProfile(e.sum.map((v) => v / e.n));
    return { profiles, groupProfiles };
  }

  private mean(i: number): Float64Array {
    const n = Math.max(1, this.counts[i]!);
    return this.sums[i]!.map((v) => v / n);
  }

  /** Model inputs for the training days and the held-out whole days. */
  rowsForTraining(): HostTrainingRows {
    this.acc.flush(this.emit);
    const dayCount = this.days.size;
    const heldOutDay = (d: number): boolean => dayCount >= 3 && d % 3 === 2;
    const means = this.hostNames.map((_, i) => this.mean(i));
    const trainIdx: number[] = [];
    const heldIdx: number[] = [];
    for (let r = 0; r < this.kept; r++) (heldOutDay(this.dayOf[r]!) ? heldIdx : trainIdx).push(r);
    const stride = Math.max(1, trainIdx.length / MAX_HOST_TRAIN_ROWS);
    const picked: number[] = [];
    for (let k = 0; Math.floor(k) < trainIdx.length; k += stride) picked.push(trainIdx[Math.floor(k)]!);
    const fill = (idx: readonly number[]): Float32Array => {
      const out = new Float32Array(idx.length * HOST_INPUT_SIZE);
      idx.forEach((r, k) => {
        const o = k * HOST_INPUT_SIZE;
        out.set(this.rows.subarray(r * PROFILE_SIZE, (r + 1) * PROFILE_SIZE), o);
        const typical = means[this.hostOf[r]!]!;
        for (let i = 0; i < PROFILE_BEHAVIOUR; i++) out[o + PROFILE_SIZE + i] = typical[i]!;
      });
      return out;
    };
    let heldDays = 0;
    for (let d = 0; d < dayCount; d++) if (heldOutDay(d)) heldDays++;
    const hostsOf = (idx: readonly number[]): string[] => idx.map((r) => this.hostNames[this.hostOf[r]!]!);
    const blocksOf = (idx: readonly number[]): Int32Array => Int32Array.from(idx, (r) => this.blockOf[r]!);
    return {
      train: fill(picked), trainCount: picked.length, heldOut: fill(heldIdx), heldOutCount: heldIdx.length, heldOutDays: heldDays,
      sampleShare: this.seen ? this.kept / this.seen : 1,
      heldOutHost: hostsOf(heldIdx), heldOutBlock: blocksOf(heldIdx), trainHost: hostsOf(picked), trainBlock: blocksOf(picked),
    };
  }
}
