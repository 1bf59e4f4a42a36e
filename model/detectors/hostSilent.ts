// host-silent: a local host that shows up regularly at this time (never absent long in training) stops
// appearing — powered off, crashed, rebooted or unplugged — while the rest of the network keeps
// talking. When it shows up again the incident closes with a "returned" update.
import type { SeasonalBaseline } from '../seasonalBaseline.ts';
import { presentHosts } from '../features.ts';
import { round, type Detector, type Finding, type WindowContext } from './finding.ts';

/** A host counts as regular at an hour when it appeared in at least this share of its windows… */
export const REGULAR_PRESENCE = 0.1;
/** …and was never absent longer than this during that hour in training. */
export const REGULAR_MAX_GAP_MS = 600_000;
/** Silence shorter than this never counts. */
export const MIN_SILENCE_MS = 20_000;
/** A silence must also last this many times the host's longest absence at this hour in training. */
export const GAP_HEADROOM = 3;
/** Expected false reports per day across all regular hosts under the independence model. */
const FALSE_REPORTS_PER_DAY = 0.02;

interface HostState { silentSince: number | null; reported: boolean }

export class HostSilentDetector implements Detector {
  private readonly state = new Map<string, HostState>();
  private regular: Array<{ host: string; ratio: number; windows: number }> = [];
  private regularHour = -1;
  private regularDayTypeHour = -1;
  private readonly present = new Set<string>();

  constructor(
    private readonly baseline: SeasonalBaseline,
    private readonly hosts: readonly string[],
    private readonly maxGapMs: Readonly<Record<string, readonly number[]>>,
  ) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    const { w } = ctx;
    const slot = this.baseline.calendar.slot(w.start);
    const hour = slot.hourOfDay;
    if (slot.hourOfWeek !== this.regularHour || slot.dayTypeHour !== this.regularDayTypeHour) this.refreshRegular(w.start, hour, slot.hourOfWeek, slot.dayTypeHour);
    presentHosts(w, this.present);
    const networkQuiet = w.health.packetsSeen === 0 && w.directions.outbound.packets + w.directions.inbound.packets + w.directions.internal.packets === 0;
    const end = w.start + w.durationMs;
    const tail = FALSE_REPORTS_PER_DAY / (Math.max(1, this.regular.length) * (86_400_000 / w.durationMs));
    for (const { host, ratio } of this.regular) {
      let s = this.state.get(host);
      if (!s) { s = { silentSince: null, reported: false }; this.state.set(host, s); }
      if (this.present.has(host)) {
        if (s.reported && s.silentSince !== null) out.push(this.finding(host, ratio, s.silentSince, w.start, true));
        s.silentSince = null;
        s.reported = false;
        continue;
      }
      if (networkQuiet) continue;
      s.silentSince ??= w.start;
      const silentMs = end - s.silentSince;
      const k = silentMs / w.durationMs;
      const usualGap = this.maxGapMs[host]?.[hour] ?? 0;
      if (silentMs >= MIN_SILENCE_MS && silentMs > GAP_HEADROOM * usualGap && Math.pow(1 - Math.min(ratio, 0.999), k) < tail) {
        s.reported = true;
        out.push(this.finding(host, ratio, s.silentSince, end, false));
      }
    }
    // a host that stopped being regular (new hour) but is still reported silent gets its return too
    for (const [host, s] of this.state) {
      if (s.reported && this.present.has(host) && !this.regular.some((r) => r.host === host)) {
        out.push(this.finding(host, 0, s.silentSince!, w.start, true));
        s.reported = false;
        s.silentSince = null;
      }
    }
  }

  private refreshRegular(start: number, hour: number, hourOfWeek: number, dayTypeHour: number): void {
    this.regularHour = hourOfWeek;
    this.regularDayTypeHour = dayTypeHour;
    this.regular = [];
    for (const host of this.hosts) {
      const p = this.baseline.presence(`presence:${host}`, start);
      const gap = this.maxGapMs[host]?.[hour];
      if (p && p.ratio >= REGULAR_PRESENCE && gap !== undefined && gap <= REGULAR_MAX_GAP_MS) this.regular.push({ host, ratio: p.ratio, windows: p.windows });
    }
  }

  private finding(host: string, ratio: number, since: number, until: number, returned: boolean): Finding {
    const silentS = Math.round((until - since) / 1000);
    return {
      kind: 'host-silent',
      key: `host-silent|${host}`,
      subject: { localHost: host },
      strength: 1 + Math.log10(Math.max(1, silentS / (MIN_SILENCE_MS / 1000))),
      score: silentS,
      observed: { feature: 'host.silentSeconds', value: silentS, unit: 's' },
      expected: { low: 0, high: 0, median: 0 },
      contributions: [{ feature: 'host.presence', observed: 0, expected: round(ratio), share: 1 }],
      maturity: 1,
      summary: returned
        ? `${host} was silent for ${silentS} s and is back`
        : `${host}, normally present in ${Math.round(ratio * 100)}% of windows at this hour, has been silent for ${silentS} s`,
      closes: returned,
      // windows without any traffic (a quiet link) must not end the incident; the return does
      holdMs: 300_000,
    };
  }
}
