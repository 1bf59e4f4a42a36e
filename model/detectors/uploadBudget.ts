// Slow exfiltration: a host that sends a little more than usual for a long time never stands out
// in a second or a minute, only in its total. Per host, a one-sided CUSUM over minutes of payload
// to remote addresses: S ← max(0, S + minute − allowance), where the allowance is the host's
// largest hour at this time of this kind of day (and the hours either side; its peer group's when
// its own history is thin) spread over 60 minutes — a reference above the normal rate, so normal
// variation drains instead of drifting up. The host is flagged once S has grown past the largest
// hour of it or its peer group (and at least MIN_BUDGET_EXCESS_BYTES) while it is still sending
// above its allowance.
import { activeHosts, hostPayloadToRemote } from '../features.ts';
import type { HostBaselines } from '../hostBaselines.ts';
import type { SharedUploads } from '../sharedUploads.ts';
import { contributionsFrom, formatBytes, round, type Detector, type Finding, type WindowContext } from './finding.ts';
import { MIN_MINUTE_UPLOAD_BYTES, UPLOAD_HEADROOM, describeLimit } from './outboundSpike.ts';

/** Uploads beyond the allowance must add up to at least this before they count. */
export const MIN_BUDGET_EXCESS_BYTES = 8_000_000;
const MINUTE_MS = 60_000;
/** receivers remembered per host while its budget is over */
const MAX_RECEIVERS = 8;

interface BudgetState {
  /** CUSUM of minute payload above the allowance, bytes */
  excess: number;
  /** payload so far in the current minute */
  minute: number;
  /** when the excess last rose from zero */
  since: number;
  /** bytes per remote (attributed by each window's top receiver) since then */
  receivers: Map<string, number>;
  total: number;
  reported: boolean;
}

export class UploadBudgetDetector implements Detector {
  private readonly state = new Map<string, BudgetState>();
  private minuteId = NaN;
  private slot = 0;

  /** `shared`: uploads to the site's shared networks are judged elsewhere (sharedUploads.ts) and left out of the budget. */
  constructor(private readonly hosts: HostBaselines, private readonly shared?: SharedUploads) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    const { w } = ctx;
    const minuteId = Math.floor(w.start / MINUTE_MS);
    // a minute left open by a gap in the windows is closed before the new one starts
    if (minuteId !== this.minuteId && !Number.isNaN(this.minuteId)) this.closeMinute(this.minuteId * MINUTE_MS, out);
    this.minuteId = minuteId;
    this.slot = this.hosts.slotOf(w.start);
    for (const h of activeHosts(w)) {
      const p = hostPayloadToRemote(h);
      if (p <= 0 || this.shared?.isShared(h, w.start)) continue;
      let s = this.state.get(h.host);
      if (!s) {
        s = { excess: 0, minute: 0, since: w.start, receivers: new Map(), total: 0, reported: false };
        this.state.set(h.host, s);
      }
      s.minute += p;
      if (h.topRemote !== undefined && (s.receivers.has(h.topRemote) || s.receivers.size < MAX_RECEIVERS)) {
        s.receivers.set(h.topRemote, (s.receivers.get(h.topRemote) ?? 0) + p);
      }
    }
    // the window that reaches the end of a minute closes it, so the finding belongs to that window
    if (Math.floor((w.start + w.durationMs) / MINUTE_MS) !== minuteId) {
      this.closeMinute(minuteId * MINUTE_MS, out);
      this.minuteId = NaN;
    }
  }

  private closeMinute(minuteStart: number, out: Finding[]): void {
    for (const [host, s] of this.state) {
      const lim = this.hosts.uploadLimits(host, this.slot);
      const allowance = lim.hourMax / 60;
      // a minute big enough for the burst detectors is theirs: the budget watches what stays under them
      if (s.minute >= Math.max(MIN_MINUTE_UPLOAD_BYTES, UPLOAD_HEADROOM * lim.minuteMax)) {
        this.state.delete(host);
        continue;
      }
      // once reported, a minute back under the allowance ends the episode and the sum starts again
      if (s.reported && s.minute <= allowance) {
        this.state.delete(host);
        continue;
      }
      const before = s.excess;
      s.excess = Math.max(0, s.excess + s.minute - allowance);
      if (before === 0 && s.excess > 0) {
        s.since = minuteStart;
        s.total = 0;
      }
      s.total += s.minute;
      // the excess must outgrow what any ordinary host of its kind sends in a whole hour (a cloud
      // sync of a big file), while the allowance it is measured from is the host's own
      const limit = Math.max(MIN_BUDGET_EXCESS_BYTES, lim.peerHourMax);
      if (s.excess > limit && s.minute > allowance) {
        s.reported = true;
        out.push(this.finding(host, s, lim, limit, minuteStart + MINUTE_MS));
      }
      s.minute = 0;
      if (s.excess === 0) this.state.delete(host);
    }
  }

  private finding(host: string, s: BudgetState, lim: ReturnType<HostBaselines['uploadLimits']>, limit: number, until: number): Finding {
    let remote: string | undefined;
    let best = 0;
    for (const [r, b] of s.receivers) if (b > best) { best = b; remote = r; }
    const hours = (until - s.since) / 3_600_000;
    return {
      kind: 'outbound-spike',
      key: `outbound-spike|host:${host}`,
      subject: { localHost: host, ...(remote ? { remote } : {}) },
      // grows with the square root: a long slow upload ranks high without outranking a burst of the same size
      strength: 2 * Math.sqrt(s.excess / limit),
      score: round(Math.log2(s.excess / limit) + 1),
      observed: { feature: 'host.payloadOutExcess', value: round(s.excess), unit: 'bytes' },
      expected: { low: 0, high: round(limit), median: round(lim.hourMean) },
      contributions: contributionsFrom([
        { feature: 'host.payloadOutExcess', observed: s.excess, expected: limit, excess: s.excess - limit },
      ]),
      maturity: lim.maturity,
      summary: `${host} has sent ${formatBytes(s.total)} out over ${hours >= 1 ? `${hours.toFixed(1)} h` : `${Math.round(hours * 60)} min`}, ${formatBytes(s.excess)} beyond its usual ${formatBytes(lim.hourMean)} an hour (${describeLimit(lim.budgetSource, lim.hourMax, ' in an hour').replace(/^at most /, 'largest hour ')} ${this.hosts.calendar.describe('day-type-hour', until - 1)})${remote ? `, mostly to ${remote}` : ''}`,
      holdMs: 2 * MINUTE_MS,
      since: s.since,
    };
  }
}
