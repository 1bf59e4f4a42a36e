// The seasonal baseline: for every key (a network feature, or a host feature of one local
// host) a robust expected range per hour of the week, per hour of the day and overall. It is
// built in one streaming pass (bounded reservoirs, seeded) and serialised as summaries only.
import { HOURS_PER_DAY, HOURS_PER_WEEK, WEEK_MS, hourOfDay, hourOfWeek } from './timeSlots.ts';
import { seededRandom } from './seededRandom.ts';

/** [observations, median, low (1st percentile), high (99th percentile), max, spread] */
export type SlotSummary = [n: number, median: number, low: number, high: number, max: number, spread: number];

export interface KeyBaseline {
  how: Array<SlotSummary | null>;
  hod: Array<SlotSummary | null>;
  all: SlotSummary | null;
}

export interface BaselineJson {
  /** event-time span the baseline was built from, ms */
  spanMs: number;
  windowMs: number;
  /** windows seen per slot (presence ratios divide by these) */
  windowsHow: number[];
  windowsHod: number[];
  windowsAll: number;
  keys: Record<string, KeyBaseline>;
}

export type SlotKind = 'hour-of-week' | 'hour-of-day' | 'all';

export interface Expectation {
  n: number;
  median: number;
  low: number;
  high: number;
  max: number;
  spread: number;
  slot: SlotKind;
  /** 0 … 1: observations behind the slot against what a mature slot has */
  maturity: number;
}

/** A slot needs this many observations before it is used instead of a coarser one. */
const MIN_SLOT_OBSERVATIONS = 10;
/** A slot backed by this many hours of windows is fully mature. */
const MATURE_HOURS = 3;

class Reservoir {
  n = 0;
  max = -Infinity;
  private values: Float32Array;
  private size = 0;
  constructor(private readonly cap: number) {
    this.values = new Float32Array(Math.min(cap, 16));
  }
  add(v: number, rand: () => number): void {
    this.n++;
    if (v > this.max) this.max = v;
    if (this.size < this.cap) {
      if (this.size === this.values.length) {
        const grown = new Float32Array(Math.min(this.cap, this.values.length * 2));
        grown.set(this.values);
        this.values = grown;
      }
      this.values[this.size++] = v;
      return;
    }
    const j = Math.floor(rand() * this.n);
    if (j < this.cap) this.values[j] = v;
  }
  summary(minSpread: number): SlotSummary | null {
    if (this.n === 0) return null;
    const s = Array.from(this.values.subarray(0, this.size)).sort((a, b) => a - b);
    const q = (p: number): number => {
      const pos = p * (s.length - 1);
      const lo = Math.floor(pos);
      const hi = Math.min(s.length - 1, lo + 1);
      return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
    };
    const median = q(0.5);
    const dev = s.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
    const mad = dev[Math.floor(dev.length / 2)]!;
    const high = q(0.99);
    const spread = Math.max(high - median, 1.4826 * mad, minSpread);
    return [this.n, round(median), round(q(0.01)), round(high), round(this.max), round(spread)];
  }
}

function round(v: number): number {
  return Math.round(v * 1e5) / 1e5;
}

interface KeyReservoirs { how: Array<Reservoir | undefined>; hod: Array<Reservoir | undefined>; all: Reservoir }

export class SeasonalBaselineBuilder {
  private readonly keys = new Map<string, KeyReservoirs>();
  private readonly windowsHow = new Array<number>(HOURS_PER_WEEK).fill(0);
  private readonly windowsHod = new Array<number>(HOURS_PER_DAY).fill(0);
  private windowsAll = 0;
  private first = Infinity;
  private last = -Infinity;
  private readonly rand: () => number;
  private slotStart = NaN;
  private hw = 0;
  private hd = 0;

  constructor(seed: number, private readonly windowMs: number, private readonly reservoirSize = 512) {
    this.rand = seededRandom(seed ^ 0x5eed);
  }

  /** Counts one window in its slots; call once per window before `add` for its values. */
  window(start: number): void {
    this.slot(start);
    this.windowsHow[this.hw]!++;
    this.windowsHod[this.hd]!++;
    this.windowsAll++;
    if (start < this.first) this.first = start;
    if (start > this.last) this.last = start;
  }

  add(key: string, start: number, value: number, withHourOfWeek = true): void {
    let r = this.keys.get(key);
    if (!r) {
      r = { how: [], hod: [], all: new Reservoir(this.reservoirSize) };
      this.keys.set(key, r);
    }
    const rs = withHourOfWeek ? this.reservoirSize : Math.max(64, this.reservoirSize / 4);
    this.slot(start);
    const hw = this.hw;
    const hd = this.hd;
    if (withHourOfWeek) (r.how[hw] ??= new Reservoir(rs)).add(value, this.rand);
    (r.hod[hd] ??= new Reservoir(rs)).add(value, this.rand);
    r.all.add(value, this.rand);
  }

  private slot(start: number): void {
    if (start === this.slotStart) return;
    this.slotStart = start;
    this.hw = hourOfWeek(start);
    this.hd = hourOfDay(start);
  }

  get windowCount(): number {
    return this.windowsAll;
  }

  build(minSpread: (key: string) => number): BaselineJson {
    const keys: Record<string, KeyBaseline> = {};
    const sorted = [...this.keys.keys()].sort();
    for (const k of sorted) {
      const r = this.keys.get(k)!;
      const ms = minSpread(k);
      const how: Array<SlotSummary | null> = [];
      const hod: Array<SlotSummary | null> = [];
      for (let i = 0; i < HOURS_PER_WEEK; i++) how.push(r.how[i]?.summary(ms) ?? null);
      for (let i = 0; i < HOURS_PER_DAY; i++) hod.push(r.hod[i]?.summary(ms) ?? null);
      keys[k] = { how: how.some((s) => s !== null) ? how : [], hod, all: r.all.summary(ms) };
    }
    return {
      spanMs: this.windowsAll ? this.last - this.first + this.windowMs : 0,
      windowMs: this.windowMs,
      windowsHow: [...this.windowsHow],
      windowsHod: [...this.windowsHod],
      windowsAll: this.windowsAll,
      keys,
    };
  }
}

/** Read side of a built baseline: "what is expected for this key at this time". */
export class SeasonalBaseline {
  private readonly matureN: number;
  private readonly useWeek: boolean;
  constructor(readonly json: BaselineJson) {
    this.matureN = (MATURE_HOURS * 3_600_000) / Math.max(1, json.windowMs);
    this.useWeek = json.spanMs >= WEEK_MS;
  }

  has(key: string): boolean {
    return key in this.json.keys;
  }

  /** `slotOnly`: no fallback to the all-time summary (a host never active at this hour has no expectation here). */
  expect(key: string, start: number, slotOnly = false): Expectation | null {
    const k = this.json.keys[key];
    if (!k) return null;
    let slot: SlotKind = 'all';
    let s: SlotSummary | null = null;
    if (this.useWeek) {
      const w = k.how[hourOfWeek(start)] ?? null;
      if (w && w[0] >= MIN_SLOT_OBSERVATIONS) { s = w; slot = 'hour-of-week'; }
    }
    if (!s) {
      const d = k.hod[hourOfDay(start)] ?? null;
      if (d && d[0] >= MIN_SLOT_OBSERVATIONS) { s = d; slot = 'hour-of-day'; }
    }
    if (!s && !slotOnly) s = k.all;
    if (!s) return null;
    return {
      n: s[0], median: s[1], low: s[2], high: s[3], max: s[4], spread: s[5], slot,
      maturity: Math.min(1, s[0] / this.matureN),
    };
  }

  /** Share of this slot's windows in which a key was observed at all (for presence keys). */
  presence(key: string, start: number): { ratio: number; windows: number } | null {
    const k = this.json.keys[key];
    if (!k) return null;
    const hd = hourOfDay(start);
    if (this.useWeek) {
      const hw = hourOfWeek(start);
      const s = k.how[hw];
      const total = this.json.windowsHow[hw] ?? 0;
      if (s && total >= MIN_SLOT_OBSERVATIONS) return { ratio: s[0] / total, windows: total };
    }
    const total = this.json.windowsHod[hd] ?? 0;
    const s = k.hod[hd];
    if (total < MIN_SLOT_OBSERVATIONS) return null;
    return { ratio: (s?.[0] ?? 0) / total, windows: total };
  }
}
