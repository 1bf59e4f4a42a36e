// outbound-spike: local hosts (or the network as a whole) send far more payload out than the
// baseline knows for this time. Only outbound payload counts — bytes beyond headers — so the
// acknowledgement stream of a big download never looks like an upload.
import { HEADER_BYTES_PER_PACKET, NETWORK_FEATURES, activeHosts, featureIndex, hostPayloadToRemote } from '../features.ts';
import type { HostBaselines } from '../hostBaselines.ts';
import type { SeasonalBaseline } from '../seasonalBaseline.ts';
import { upperBand, type BandResult } from './bandCheck.ts';
import { contributionsFrom, formatBytes, round, type Detector, type Finding, type WindowContext } from './finding.ts';
import { RollingUpload } from './uploadVolume.ts';

/** An upload must exceed what is expected by at least this much per second to count. */
export const MIN_SPIKE_EXCESS_BYTES_PER_S = 100_000;

const PAYLOAD = featureIndex('outbound.payload');
const PAYLOAD_SPEC = NETWORK_FEATURES[PAYLOAD]!;

/** A minute's upload by one host must reach this many bytes to count. */
export const MIN_MINUTE_UPLOAD_BYTES = 200_000;
/** …and this many times the largest minute seen at this hour in training. */
export const UPLOAD_HEADROOM = 2;

export class OutboundSpikeDetector implements Detector {
  private rolling: RollingUpload | null = null;
  constructor(private readonly baseline: SeasonalBaseline, private readonly hosts: HostBaselines) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    const { w } = ctx;
    const perSec = 1000 / Math.max(1, w.durationMs);
    // a host's bytes out include what it sends to other local hosts: only its bytes to remote
    // addresses count (older windows without them are bounded by what left the network)
    const o = w.directions.outbound;
    const leftNetwork = Math.max(0, o.bytes - o.packets * HEADER_BYTES_PER_PACKET) * perSec;
    let hostFired = false;
    const fired = new Set<string>();
    const slot = this.hosts.slotOf(w.start);
    for (const h of activeHosts(w)) {
      const payload = Math.min(hostPayloadToRemote(h) * perSec, leftNetwork);
      if (payload < MIN_SPIKE_EXCESS_BYTES_PER_S) continue;
      // the host's own largest window around this hour, or its peer group's when its history is thin
      const lim = this.hosts.uploadLimits(h.host, slot);
      const limit = Math.max(UPLOAD_HEADROOM * lim.windowMax, lim.windowMax + MIN_SPIKE_EXCESS_BYTES_PER_S);
      if (payload <= limit) continue;
      hostFired = true;
      fired.add(h.host);
      const remote = h.topRemote ?? topReceiver(ctx);
      const mean = this.hosts.ownSlot(h.host, slot)?.windowMean ?? 0;
      out.push({
        kind: 'outbound-spike',
        key: `outbound-spike|host:${h.host}`,
        subject: { localHost: h.host, ...(remote ? { remote } : {}) },
        strength: payload / limit,
        score: round(Math.log2(payload / limit) + 1),
        observed: { feature: 'host.payloadOut', value: round(payload), unit: 'bytes/s' },
        expected: { low: 0, high: round(lim.windowMax), median: round(mean) },
        contributions: contributionsFrom([{ feature: 'host.payloadOut', observed: payload, expected: lim.windowMax, excess: payload - lim.windowMax }]),
        maturity: lim.maturity,
        summary: `${h.host} sent ${formatBytes(payload)}/s out, ${describeLimit(lim.source, lim.windowMax, '/s')} ${this.hosts.calendar.describe('day-type-hour', w.start)}${remote ? `, mostly to ${remote}` : ''}`,
      });
    }
    hostFired = this.minuteVolumes(ctx, out, fired, slot) || hostFired;
    if (hostFired) return;
    const v = ctx.features[PAYLOAD]!;
    const payload = Math.expm1(v);
    if (payload < MIN_SPIKE_EXCESS_BYTES_PER_S) return;
    const band = upperBand(this.baseline, PAYLOAD_SPEC.name, PAYLOAD_SPEC, v, w.start);
    if (!band || !fires(band, payload)) return;
    const remote = topReceiver(ctx);
    out.push(this.finding('network', remote ? { remote } : {}, payload, band, 'outbound.payload',
      `the network sent ${formatBytes(payload)}/s out, expected at most ${formatBytes(band.high)}/s ${this.baseline.calendar.describe(band.exp.slot, w.start)}`,
      [{ feature: 'outbound.payload', observed: payload, expected: band.median, excess: v - band.exp.high }]));
  }

  /** Sustained uploads: a host's outbound payload over the last minute against its usual minute. */
  private minuteVolumes(ctx: WindowContext, out: Finding[], fired: Set<string>, slot: number): boolean {
    const { w } = ctx;
    this.rolling ??= new RollingUpload(w.durationMs);
    let any = false;
    const rolling = this.rolling;
    const senders = rolling.add(w);
    for (let k = 0; k < senders; k++) {
      const bytes = rolling.minute(k);
      if (bytes < MIN_MINUTE_UPLOAD_BYTES) continue;
      const host = rolling.host(k);
      if (fired.has(host)) continue;
      const lim = this.hosts.uploadLimits(host, slot);
      const usual = lim.minuteMax;
      const limit = Math.max(MIN_MINUTE_UPLOAD_BYTES, UPLOAD_HEADROOM * usual);
      // the upload must still be going on: the minute's tail after it stopped is not a new incident
      if (bytes < limit || rolling.latest(k) * rolling.horizon < limit) continue;
      any = true;
      const remote = rolling.receiver(k) ?? topReceiver(ctx);
      out.push({
        kind: 'outbound-spike',
        key: `outbound-spike|host:${host}`,
        subject: { localHost: host, ...(remote ? { remote } : {}) },
        strength: (bytes / limit) * UPLOAD_HEADROOM,
        score: round(Math.log2(bytes / limit) + 1),
        observed: { feature: 'host.payloadOutPerMinute', value: round(bytes), unit: 'bytes/min' },
        expected: { low: 0, high: round(usual), median: 0 },
        contributions: contributionsFrom([{ feature: 'host.payloadOutPerMinute', observed: bytes, expected: usual, excess: bytes - usual }]),
        maturity: lim.maturity,
        summary: `${host} sent ${formatBytes(bytes)} out in the last minute, more than ${UPLOAD_HEADROOM}× ${describeLimit(lim.source, usual, ' in a minute').replace(/^at most /, '')} ${this.hosts.calendar.describe('day-type-hour', w.start)}${remote ? `; top receiver ${remote}` : ''}`,
        holdMs: 10_000,
      });
    }
    return any;
  }

  private finding(subjectKey: string, subject: Finding['subject'], payload: number, band: BandResult, feature: string, summary: string,
    items: Array<{ feature: string; observed: number; expected: number; excess: number }>): Finding {
    return {
      kind: 'outbound-spike',
      key: `outbound-spike|${subjectKey}`,
      subject,
      strength: band.strength,
      score: round(Math.log2(Math.max(1, band.strength)) + 1),
      observed: { feature, value: round(payload), unit: 'bytes/s' },
      expected: { low: round(band.low), high: round(band.high), median: round(band.median) },
      contributions: contributionsFrom(items),
      maturity: band.exp.maturity,
      summary,
    };
  }
}

/** "at most 23 kB/s (its own most)" / "(the most of its peers, role:client-office-hours)". */
export function describeLimit(source: string, value: number, unit: string): string {
  const whose = source === 'own' ? 'the most it sent' : source.startsWith('own+') ? `the most it or its peers (${source.slice(4)}) sent` : `the most its peers (${source}) sent`;
  return `at most ${formatBytes(value)}${unit} expected (${whose})`;
}

function fires(band: BandResult, payload: number): boolean {
  return band.strength > 1 && payload - Math.expm1(band.bound) >= MIN_SPIKE_EXCESS_BYTES_PER_S;
}

function topReceiver(ctx: WindowContext): string | undefined {
  let best: string | undefined;
  let max = 0;
  for (const r of ctx.w.topRemoteEndpoints) if (r.bytesOut > max) { max = r.bytesOut; best = r.host; }
  return best;
}
