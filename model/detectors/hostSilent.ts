// host-silent: a local host that is regularly present at this time of this kind of day (never
// absent long in training) sends no packet at all — powered off, crashed, rebooted or unplugged —
// while the rest of the network keeps talking. When it sends again the incident closes with a
// "back" update. Silence is counted over known windows only: a window with capture loss, or one
// in which the whole network is far quieter than usual at this time, is unknown, not absent.
import { featureIndex, presentHosts } from '../features.ts';
import { MATURE_HOST_HOURS, type HostBaselines } from '../hostBaselines.ts';
import type { SeasonalBaseline } from '../seasonalBaseline.ts';
import { round, type Detector, type Finding, type WindowContext } from './finding.ts';

/** A host counts as regular in a slot when it sent something in at least this share of its windows… */
export const REGULAR_PRESENCE = 0.1;
/** …and was never absent longer than this during that slot in training. */
export const REGULAR_MAX_GAP_MS = 600_000;
/** …in at least this share of the training hours of that slot (every day it could have been)… */
export const REGULAR_DAY_SHARE = 0.9;
/** …and is not a person's machine (the role learned for clients that keep office hours). */
const OFFICE_HOURS_ROLE = 'client-office-hours';
/** Silence shorter than this never counts. */
export const MIN_SILENCE_MS = 20_000;
/** A silence must also last this many times the host's longest absence in this slot in training. */
export const GAP_HEADROOM = 3;
/** An empty window this long after the last packet of anyone is an outage of the capture, not silence. */
export const OUTAGE_MS = 60_000;
/** Expected false reports per day across all regular hosts under the independence model. */
const FALSE_REPORTS_PER_DAY = 0.02;

const HOSTS_ACTIVE = featureIndex('hosts.active');

interface Regular { host: string; ratio: number; maxGapMs: number; hours: number }
interface HostState { silentSince: number | null; knownSilentMs: number; reported: boolean }

export class HostSilentDetector implements Detector {
  private readonly state = new Map<string, HostState>();
  private regular: Regular[] = [];
  private regularSlot = -1;
  private readonly present = new Set<string>();
  /** the hosts whose presence matters in this window: the regular ones and those reported silent */
  private readonly watched = new Set<string>();
  private lastTraffic = -Infinity;

  constructor(private readonly hosts: HostBaselines, private readonly baseline: SeasonalBaseline) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    const { w } = ctx;
    const slot = this.hosts.slotOf(w.start);
    if (slot !== this.regularSlot) this.refreshRegular(slot);
    this.watched.clear();
    for (const r of this.regular) this.watched.add(r.host);
    for (const [host, s] of this.state) if (s.reported) this.watched.add(host);
    presentHosts(w, this.present, this.watched);
    const end = w.start + w.durationMs;
    const tail = FALSE_REPORTS_PER_DAY / (Math.max(1, this.regular.length) * (86_400_000 / w.durationMs));
    const known = !ctx.captureLoss && !this.networkQuiet(ctx);
    for (const r of this.regular) {
      let s = this.state.get(r.host);
      if (!s) { s = { silentSince: null, knownSilentMs: 0, reported: false }; this.state.set(r.host, s); }
      if (this.present.has(r.host)) {
        if (s.reported && s.silentSince !== null) out.push(this.finding(r, s, w.start, true));
        s.silentSince = null;
        s.knownSilentMs = 0;
        s.reported = false;
        continue;
      }
      if (!known) continue;
      s.silentSince ??= w.start;
      s.knownSilentMs += w.durationMs;
      const k = s.knownSilentMs / w.durationMs;
      if (s.knownSilentMs >= MIN_SILENCE_MS && s.knownSilentMs > GAP_HEADROOM * r.maxGapMs && Math.pow(1 - Math.min(r.ratio, 0.999), k) < tail) {
        s.reported = true;
        out.push(this.finding(r, s, end, false));
      }
    }
    // a host reported silent whose slot ended (it is no longer expected) still gets its return
    for (const [host, s] of this.state) {
      if (s.reported && this.present.has(host) && !this.regular.some((r) => r.host === host)) {
        out.push(this.finding({ host, ratio: 0, maxGapMs: 0, hours: 0 }, s, w.start, true));
        s.reported = false;
        s.silentSince = null;
        s.knownSilentMs = 0;
      }
    }
  }

  /** No packet from anyone for a while (an outage of the link or sensor), or far fewer active hosts
   * than this slot ever had in training (an unlisted holiday). A short empty stretch of a small
   * network is ordinary quiet and counts. */
  private networkQuiet(ctx: WindowContext): boolean {
    const { w } = ctx;
    if (w.health.packetsSeen === 0 && w.directions.outbound.packets + w.directions.inbound.packets + w.directions.internal.packets === 0) {
      return w.start + w.durationMs - this.lastTraffic > OUTAGE_MS;
    }
    this.lastTraffic = w.start + w.durationMs;
    const exp = this.baseline.expect('hosts.active', w.start, true);
    return exp !== null && exp.slot !== 'hour-of-day' && ctx.features[HOSTS_ACTIVE]! < exp.low - Math.LN2;
  }

  private refreshRegular(slot: number): void {
    this.regularSlot = slot;
    const before = this.regular;
    this.regular = this.collectRegular(slot);
    // a silence that was counting (not yet reported) for a host that is no longer expected ends
    // here: when the host is expected again hours later it starts from zero, not from a stale
    // start that would make it "silent for an hour" in its first quiet window
    const now = new Set(this.regular.map((r) => r.host));
    for (const r of before) {
      const s = this.state.get(r.host);
      if (s && !s.reported && !now.has(r.host)) this.state.delete(r.host);
    }
  }

  private collectRegular(slot: number): Regular[] {
    const regular: Regular[] = [];
    // a slot training never saw has no regular hosts: unknown is not absent
    const slotHours = this.hosts.slotWindows(slot).hours;
    if (slotHours < 1) return regular;
    for (const host of this.hosts.hosts) {
      // people's machines go home, on holiday and to meetings: only hosts that behave like
      // infrastructure (always on, or serving) are expected to keep talking
      if (this.hosts.role(host) === OFFICE_HOURS_ROLE) continue;
      const v = this.hosts.ownSlot(host, slot)!;
      if (v.hours >= Math.max(1, REGULAR_DAY_SHARE * slotHours) && v.presence >= REGULAR_PRESENCE && v.maxGapMs <= REGULAR_MAX_GAP_MS) {
        regular.push({ host, ratio: v.presence, maxGapMs: v.maxGapMs, hours: v.hours });
      }
    }
    return regular;
  }

  private finding(r: Regular, s: HostState, until: number, returned: boolean): Finding {
    const spanS = Math.round((until - s.silentSince!) / 1000);
    const silentS = Math.round(s.knownSilentMs / 1000);
    const unknownS = Math.max(0, spanS - silentS);
    const when = this.hosts.calendar.describe('day-type-hour', until - 1);
    return {
      kind: 'host-silent',
      key: `host-silent|${r.host}`,
      subject: { localHost: r.host },
      strength: 1 + Math.log10(Math.max(1, silentS / (MIN_SILENCE_MS / 1000))),
      score: silentS,
      observed: { feature: 'host.silentSeconds', value: silentS, unit: 's' },
      expected: { low: 0, high: round(r.maxGapMs / 1000), median: 0 },
      contributions: [{ feature: 'host.presence', observed: 0, expected: round(r.ratio), share: 1 }],
      maturity: Math.min(1, r.hours / (3 * MATURE_HOST_HOURS)),
      summary: returned
        ? `${r.host} sent no packet for ${silentS} s${unknownS ? ` (plus ${unknownS} s the capture could not vouch for)` : ''} and is back`
        : `${r.host}, which sends something in ${Math.round(r.ratio * 100)}% of windows ${when} and was never quiet longer than ${Math.round(r.maxGapMs / 1000)} s then in training, has sent no packet for ${silentS} s`,
      closes: returned,
      // windows without any traffic (a quiet link) must not end the incident; the return does
      holdMs: 300_000,
    };
  }
}
