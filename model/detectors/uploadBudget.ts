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
import { HostIndex } from '../hostIndex.ts';
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
  /** when the excess last rose from zero */
  since: number;
  /** remotes (attributed by each window's top receiver) since the state began, in the order first
   * seen, and the bytes of each (at most MAX_RECEIVERS: a short list beats a map) */
  receivers: string[];
  receiverBytes: number[];
  total: number;
  reported: boolean;
}

/**
 * Most hosts never build an excess: their minute is summed in typed arrays by the engine's host
 * number (hostIndex.ts), and
 * what each window's top receiver got is logged per host and only replayed into a `BudgetState`
 * for the few whose excess is above zero when the minute closes — so a window of thousands of
 * hosts costs one map lookup per host and no allocation.
 */
export class UploadBudgetDetector implements Detector {
  /** hosts whose excess carried over from an earlier minute, in the order their episode began */
  private readonly state = new Map<string, BudgetState>();
  /** per host number: payload in the current minute, and the head and tail of its receiver log */
  private minute = new Float64Array(256);
  private logHead = new Int32Array(256).fill(-1);
  private logTail = new Int32Array(256);
  /** host numbers that sent in the current minute, in the order they first did */
  private senders = new Int32Array(256);
  private senderCount = 0;
  /** the receiver log of the current minute: remote, bytes, next entry of the same host */
  private logRemote: string[] = [];
  private logBytes = new Float64Array(1024);
  private logNext = new Int32Array(1024);
  private logCount = 0;
  private minuteId = NaN;
  private slot = 0;
  /** limits of the hosts judged in this slot: HostBaselines.uploadLimits depends on nothing but the
   * model, the host and the slot, and computing it for thousands of hosts every minute is most of
   * a minute's close */
  private readonly limits = new Map<string, ReturnType<HostBaselines['uploadLimits']>>();
  private limitsSlot = -1;

  private readonly index: HostIndex;
  private readonly sharedIndex: boolean;

  /**
   * `index`: the engine's host numbers, shared with the other detectors (the windows' `hostIds` are
   * its numbers). `shared`: uploads to networks many hosts send to are judged by outbound-spike
   * against the other hosts (sharedUploads.ts) and left out of the budget.
   */
  constructor(private readonly hosts: HostBaselines, index?: HostIndex, private readonly shared?: SharedUploads) {
    this.index = index ?? new HostIndex();
    this.sharedIndex = index !== undefined;
  }

  detect(ctx: WindowContext, out: Finding[]): void {
    const { w } = ctx;
    const minuteId = Math.floor(w.start / MINUTE_MS);
    // a minute left open by a gap in the windows is closed before the new one starts
    if (minuteId !== this.minuteId && !Number.isNaN(this.minuteId)) this.closeMinute(this.minuteId * MINUTE_MS, out);
    this.minuteId = minuteId;
    this.slot = this.hosts.slotOf(w.start);
    const list = activeHosts(w);
    const ids = (this.sharedIndex ? ctx.hostIds : undefined) ?? this.index.number(list);
    this.fit(this.index.size);
    for (let k = 0; k < list.length; k++) {
      const h = list[k]!;
      const p = hostPayloadToRemote(h);
      if (p <= 0 || this.shared?.isShared(h, w.start)) continue;
      const id = ids[k]!;
      if (this.minute[id] === 0) this.addSender(id);
      this.minute[id] += p;
      if (h.topRemote !== undefined) this.log(id, h.topRemote, p);
    }
    // the window that reaches the end of a minute closes it, so the finding belongs to that window
    if (Math.floor((w.start + w.durationMs) / MINUTE_MS) !== minuteId) {
      this.closeMinute(minuteId * MINUTE_MS, out);
      this.minuteId = NaN;
    }
  }

  private closeMinute(minuteStart: number, out: Finding[]): void {
    // hosts with an episode under way first (in the order they began), then this minute's new senders
    for (const [host, s] of this.state) this.closeHost(host, this.index.peek(host)!, s, minuteStart, out);
    for (let k = 0; k < this.senderCount; k++) {
      const id = this.senders[k]!;
      const host = this.index.names[id]!;
      if (!this.state.has(host)) this.closeHost(host, id, null, minuteStart, out);
    }
    for (let k = 0; k < this.senderCount; k++) {
      const id = this.senders[k]!;
      this.minute[id] = 0;
      this.logHead[id] = -1;
    }
    this.senderCount = 0;
    this.logCount = 0;
    this.logRemote.length = 0;
  }

  /** One host at the close of a minute; `s` is its episode so far (null: none). */
  private closeHost(host: string, id: number, s: BudgetState | null, minuteStart: number, out: Finding[]): void {
    const minute = this.minute[id]!;
    const lim = this.limitsOf(host);
    const allowance = lim.hourMax / 60;
    // a minute big enough for the burst detectors is theirs: the budget watches what stays under them
    if (minute >= Math.max(MIN_MINUTE_UPLOAD_BYTES, UPLOAD_HEADROOM * lim.minuteMax)) {
      if (s) this.state.delete(host);
      return;
    }
    // once reported, a minute back under the allowance ends the episode and the sum starts again
    if (s?.reported && minute <= allowance) {
      this.state.delete(host);
      return;
    }
    const before = s?.excess ?? 0;
    const excess = Math.max(0, before + minute - allowance);
    if (excess === 0) {
      if (s) this.state.delete(host);
      return;
    }
    if (!s) {
      s = { excess: 0, since: minuteStart, receivers: [], receiverBytes: [], total: 0, reported: false };
      this.state.set(host, s);
    }
    s.excess = excess;
    if (before === 0) {
      s.since = minuteStart;
      s.total = 0;
    }
    s.total += minute;
    this.replayReceivers(id, s);
    // the excess must outgrow what any ordinary host of its kind sends in a whole hour (a cloud
    // sync of a big file), while the allowance it is measured from is the host's own
    const limit = Math.max(MIN_BUDGET_EXCESS_BYTES, lim.peerHourMax);
    if (s.excess > limit && minute > allowance) {
      s.reported = true;
      out.push(this.finding(host, s, lim, limit, minuteStart + MINUTE_MS));
    }
  }

  private limitsOf(host: string): ReturnType<HostBaselines['uploadLimits']> {
    if (this.slot !== this.limitsSlot) {
      this.limits.clear();
      this.limitsSlot = this.slot;
    }
    let lim = this.limits.get(host);
    if (!lim) {
      lim = this.hosts.uploadLimits(host, this.slot);
      this.limits.set(host, lim);
    }
    return lim;
  }

  /** Adds the host's receivers of the current minute, in the order the windows came. */
  private replayReceivers(id: number, s: BudgetState): void {
    for (let e = this.logHead[id]!; e !== -1; e = this.logNext[e]!) {
      const i = s.receivers.indexOf(this.logRemote[e]!);
      if (i >= 0) s.receiverBytes[i]! += this.logBytes[e]!;
      else if (s.receivers.length < MAX_RECEIVERS) {
        s.receivers.push(this.logRemote[e]!);
        s.receiverBytes.push(this.logBytes[e]!);
      }
    }
  }

  private log(id: number, remote: string, bytes: number): void {
    const e = this.logCount++;
    if (e === this.logBytes.length) {
      this.logBytes = grownFloat(this.logBytes);
      this.logNext = grownInt(this.logNext, 0);
    }
    this.logRemote[e] = remote;
    this.logBytes[e] = bytes;
    this.logNext[e] = -1;
    if (this.logHead[id] === -1) this.logHead[id] = e;
    else this.logNext[this.logTail[id]!] = e;
    this.logTail[id] = e;
  }

  private addSender(id: number): void {
    if (this.senderCount === this.senders.length) this.senders = grownInt(this.senders, 0);
    this.senders[this.senderCount++] = id;
  }

  /** Makes the per-host arrays hold `n` host numbers. */
  private fit(n: number): void {
    if (n <= this.minute.length) return;
    let size = this.minute.length;
    while (size < n) size *= 2;
    this.minute = grownFloat(this.minute, size);
    this.logHead = grownInt(this.logHead, size, -1);
    this.logTail = grownInt(this.logTail, size, 0);
  }

  private finding(host: string, s: BudgetState, lim: ReturnType<HostBaselines['uploadLimits']>, limit: number, until: number): Finding {
    let remote: string | undefined;
    let best = 0;
    for (let i = 0; i < s.receivers.length; i++) if (s.receiverBytes[i]! > best) { best = s.receiverBytes[i]!; remote = s.receivers[i]; }
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

function grownFloat(a: Float64Array, size = a.length * 2): Float64Array<ArrayBuffer> {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}

function grownInt(a: Int32Array, fill: number): Int32Array<ArrayBuffer>;
function grownInt(a: Int32Array, size: number, fill: number): Int32Array<ArrayBuffer>;
function grownInt(a: Int32Array, sizeOrFill: number, fill?: number): Int32Array<ArrayBuffer> {
  const size = fill === undefined ? a.length * 2 : sizeOrFill;
  const b = new Int32Array(size).fill(fill ?? sizeOrFill);
  b.set(a);
  return b;
}
