// The seasonal baseline: for every key (a network feature, or a host feature of one local
// host) a robust expected range per hour of the week, per kind of day and hour (weekday, weekend,
// holiday), per hour of the day and overall, in the site's time zone. It is built in one
// streaming pass (bounded reservoirs, seeded) and serialised as summaries only.
import { DAY_TYPE_HOURS, HOURS_PER_DAY, HOURS_PER_WEEK, SiteCalendar, WEEK_MS, type CalendarJson } from './timeSlots.ts';
import { seededRandom } from './seededRandom.ts';

/** [observations, median, low (1st percentile), high (99th percentile), max, spread] */
export type SlotSummary = [n: number, median: number, low: number, high: number, max: number, spread: number];

export interface KeyBaseline {
  how: Array<SlotSummary | null>;
  /** day type × hour of day (weekday 0–23, weekend 24–47, holiday 48–71) */
  dth?: Array<SlotSummary | null>;
  hod: Array<SlotSummary | null>;
  all: SlotSummary | null;
}

export interface BaselineJson {
  /** event-time span the baseline was built from, ms */
  spanMs: number;
  windowMs: number;
  /** windows seen per slot (presence ratios divide by these) */
  windowsHow: number[];
  windowsDth?: number[];
  windowsHod: number[];
  windowsAll: number;
  /** the site calendar the slots are in (absent: UTC, no holidays) */
  calendar?: CalendarJson;
  keys: Record<string, KeyBaseline>;
}

export type SlotKind = 'hour-of-week' | 'day-type-hour' | 'hour-of-day' | 'all';

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
/** A slot borrowed from other kinds of day (no window of this day type in training) counts this much. */
const BORROWED_MATURITY = 0.25;

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

interface KeyReservoirs { how: Array<Reservoir | undefined>; dth: Array<Reservoir | undefined>; hod: Array<Reservoir | undefined>; all: Reservoir }

export class SeasonalBaselineBuilder {
  private readonly keys = new Map<string, KeyReservoirs>();
  private readonly windowsHow = new Array<number>(HOURS_PER_WEEK).fill(0);
  private readonly windowsDth = new Array<number>(DAY_TYPE_HOURS).fill(0);
  private readonly windowsHod = new Array<number>(HOURS_PER_DAY).fill(0);
  private windowsAll = 0;
  private first = Infinity;
  private last = -Infinity;
  private readonly rand: () => number;
  private slotStart = NaN;
  private hw = 0;
  private dt = 0;
  private hd = 0;

  constructor(seed: number, private readonly windowMs: number, private readonly calendar = SiteCalendar.UTC, private readonly reservoirSize = 512) {
    this.rand = seededRandom(seed ^ 0x5eed);
  }

  /** Counts one window in its slots; call once per window before `add` for its values. */
  window(start: number): void {
    this.slot(start);
    this.windowsHow[this.hw]!++;
    this.windowsDth[this.dt]!++;
    this.windowsHod[this.hd]!++;
    this.windowsAll++;
    if (start < this.first) this.first = start;
    if (start > this.last) this.last = start;
  }

  add(key: string, start: number, value: number, withHourOfWeek = true): void {
    let r = this.keys.get(key);
    if (!r) {
      r = { how: [], dth: [], hod: [], all: new Reservoir(this.reservoirSize) };
      this.keys.set(key, r);
    }
    const rs = withHourOfWeek ? this.reservoirSize : Math.max(64, this.reservoirSize / 4);
    this.slot(start);
    const hw = this.hw;
    const hd = this.hd;
    if (withHourOfWeek) (r.how[hw] ??= new Reservoir(rs)).add(value, this.rand);
    (r.dth[this.dt] ??= new Reservoir(rs)).add(value, this.rand);
    (r.hod[hd] ??= new Reservoir(rs)).add(value, this.rand);
    r.all.add(value, this.rand);
  }

  private slot(start: number): void {
    if (start === this.slotStart) return;
    this.slotStart = start;
    const s = this.calendar.slot(start);
    this.hw = s.hourOfWeek;
    this.dt = s.dayTypeHour;
    this.hd = s.hourOfDay;
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
      const dth: Array<SlotSummary | null> = [];
      const hod: Array<SlotSummary | null> = [];
      for (let i = 0; i < HOURS_PER_WEEK; i++) how.push(r.how[i]?.summary(ms) ?? null);
      for (let i = 0; i < DAY_TYPE_HOURS; i++) dth.push(r.dth[i]?.summary(ms) ?? null);
      for (let i = 0; i < HOURS_PER_DAY; i++) hod.push(r.hod[i]?.summary(ms) ?? null);
      keys[k] = { how: how.some((s) => s !== null) ? how : [], dth, hod, all: r.all.summary(ms) };
    }
    return {
      spanMs: this.windowsAll ? this.last - this.first + this.windowMs : 0,
      windowMs: this.windowMs,
      windowsHow: [...this.windowsHow],
      windowsDth: [...this.windowsDth],
      windowsHod: [...this.windowsHod],
      windowsAll: this.windowsAll,
      calendar: this.calendar.toJson(),
      keys,
    };
  }
}

/** Read side of a built baseline: "what is expected for this key at this time". */
export class SeasonalBaseline {
  private readonly matureN: number;
  private readonly useWeek: boolean;
  readonly calendar: SiteCalendar;
  /** `calendar` overrides the one the baseline was built with (e.g. a longer holiday list) */
  constructor(readonly json: BaselineJson, calendar?: SiteCalendar) {
    this.matureN = (MATURE_HOURS * 3_600_000) / Math.max(1, json.windowMs);
    this.useWeek = json.spanMs >= WEEK_MS;
    this.calendar = calendar ?? SiteCalendar.fromJson(json.calendar);
  }

  has(key: string): boolean {
    return key in this.json.keys;
  }

  /**
   * The slot used: hour of the week (once a week of data exists), else this kind of day at this
   * hour (a holiday without holiday data uses the weekend's), else the hour of any day — with its
   * maturity cut to a quarter when no window of this kind of day was seen, so a Saturday judged by
   * weekdays is never a confident baseline — else all time (unless `slotOnly`).
   */
  expect(key: string, start: number, slotOnly = false): Expectation | null {
    const k = this.json.keys[key];
    if (!k) return null;
    const t = this.calendar.slot(start);
    let slot: SlotKind = 'all';
    let s: SlotSummary | null = null;
    let scale = 1;
    if (this.useWeek) {
      const w = k.how[t.hourOfWeek] ?? null;
      if (w && w[0] >= MIN_SLOT_OBSERVATIONS) { s = w; slot = 'hour-of-week'; }
    }
    if (!s && k.dth) {
      const d = this.dayTypeSlot(k.dth, t.dayTypeHour);
      if (d) { s = d; slot = 'day-type-hour'; }
    }
    if (!s) {
      const d = k.hod[t.hourOfDay] ?? null;
      if (d && d[0] >= MIN_SLOT_OBSERVATIONS) {
        s = d; slot = 'hour-of-day';
        if (k.dth && !this.dayTypeSeen(t.dayTypeHour)) scale = BORROWED_MATURITY;
      }
    }
    if (!s && !slotOnly) {
      s = k.all;
      if (k.dth && !this.dayTypeSeen(t.dayTypeHour)) scale = BORROWED_MATURITY;
    }
    if (!s) return null;
    return {
      n: s[0], median: s[1], low: s[2], high: s[3], max: s[4], spread: s[5], slot,
      maturity: Math.min(1, s[0] / this.matureN) * scale,
    };
  }

  /** Whether training saw any window of this kind of day (holidays fall back to weekends). */
  dayTypeSeen(dayTypeHour: number): boolean {
    const w = this.json.windowsDth;
    if (!w) return true;
    const dt = Math.floor(dayTypeHour / HOURS_PER_DAY);
    const seen = (d: number): boolean => w.slice(d * HOURS_PER_DAY, (d + 1) * HOURS_PER_DAY).some((n) => n > 0);
    return seen(dt) || (dt === 2 && seen(1));
  }

  private dayTypeSlot(dth: Array<SlotSummary | null>, dayTypeHour: number): SlotSummary | null {
    const d = dth[dayTypeHour] ?? null;
    if (d && d[0] >= MIN_SLOT_OBSERVATIONS) return d;
    // a holiday without holiday data is judged like a weekend
    if (dayTypeHour >= 2 * HOURS_PER_DAY && (this.json.windowsDth?.[dayTypeHour] ?? 0) < MIN_SLOT_OBSERVATIONS) {
      const we = dth[dayTypeHour - HOURS_PER_DAY] ?? null;
      if (we && we[0] >= MIN_SLOT_OBSERVATIONS) return we;
    }
    return null;
  }

  /**
   * Share of this slot's windows in which a key was observed at all (for presence keys): hour of
   * week, else this kind of day and hour. Null when training has too few windows of this kind of
   * day at this hour: an unseen Saturday has no expected presence, so nobody is missing.
   */
  presence(key: string, start: number): { ratio: number; windows: number } | null {
    const k = this.json.keys[key];
    if (!k) return null;
    const t = this.calendar.slot(start);
    if (this.useWeek) {
      const s = k.how[t.hourOfWeek];
      const total = this.json.windowsHow[t.hourOfWeek] ?? 0;
      if (s && total >= MIN_SLOT_OBSERVATIONS) return { ratio: s[0] / total, windows: total };
    }
    if (this.json.windowsDth && k.dth) {
      let i = t.dayTypeHour;
      if (i >= 2 * HOURS_PER_DAY && (this.json.windowsDth[i] ?? 0) < MIN_SLOT_OBSERVATIONS) i -= HOURS_PER_DAY;
      const total = this.json.windowsDth[i] ?? 0;
      if (total < MIN_SLOT_OBSERVATIONS) return null;
      return { ratio: (k.dth[i]?.[0] ?? 0) / total, windows: total };
    }
    const total = this.json.windowsHod[t.hourOfDay] ?? 0;
    const s = k.hod[t.hourOfDay];
    if (total < MIN_SLOT_OBSERVATIONS) return null;
    return { ratio: (s?.[0] ?? 0) / total, windows: total };
  }
}
