// outbound-spike: local hosts (or the network as a whole) send far more payload out than the
// baseline knows for this time. Only outbound payload counts — bytes beyond headers — so the
// acknowledgement stream of a big download never looks like an upload.
import { HEADER_BYTES_PER_PACKET, HOST_FEATURES, NETWORK_FEATURES, activeHosts, featureIndex, hostPayloadToRemote } from '../features.ts';
import type { SeasonalBaseline } from '../seasonalBaseline.ts';
import { upperBand, type BandResult } from './bandCheck.ts';
import { contributionsFrom, formatBytes, round, type Detector, type Finding, type WindowContext } from './finding.ts';
import type { DetectorLimits } from '../detectorLimits.ts';
import { RollingUpload } from './uploadVolume.ts';

/** An upload must exceed what is expected by at least this much per second to count. */
export const MIN_SPIKE_EXCESS_BYTES_PER_S = 100_000;

const PAYLOAD = featureIndex('outbound.payload');
const PAYLOAD_SPEC = NETWORK_FEATURES[PAYLOAD]!;
const HOST_PAYLOAD_SPEC = HOST_FEATURES[0]!;
const HOSTS_MAX_SPEC = NETWORK_FEATURES[featureIndex('hosts.maxPayloadOut')]!;

/** A minute's upload by one host must reach this many bytes to count. */
export const MIN_MINUTE_UPLOAD_BYTES = 200_000;
/** …and this many times the largest minute seen at this hour in training. */
export const UPLOAD_HEADROOM = 2;

export class OutboundSpikeDetector implements Detector {
  private rolling: RollingUpload | null = null;
  constructor(private readonly baseline: SeasonalBaseline, private readonly limits: DetectorLimits) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    const { w } = ctx;
    const perSec = 1000 / Math.max(1, w.durationMs);
    // a host's bytes out include what it sends to other local hosts: only its bytes to remote
    // addresses count (older windows without them are bounded by what left the network)
    const o = w.directions.outbound;
    const leftNetwork = Math.max(0, o.bytes - o.packets * HEADER_BYTES_PER_PACKET) * perSec;
    let hostFired = false;
    const fired = new Set<string>();
    for (const h of activeHosts(w)) {
      const payload = Math.min(hostPayloadToRemote(h) * perSec, leftNetwork);
      if (payload < MIN_SPIKE_EXCESS_BYTES_PER_S) continue;
      const value = Math.log1p(payload);
      const key = `host:${h.host}:${HOST_PAYLOAD_SPEC.name}`;
      // a host with no history at this hour is held against what the busiest host usually sends now
      const ownBand = upperBand(this.baseline, key, HOST_PAYLOAD_SPEC, value, w.start, true);
      const own = ownBand !== null;
      const band = ownBand ?? upperBand(this.baseline, HOSTS_MAX_SPEC.name, HOSTS_MAX_SPEC, value, w.start);
      if (!band || !fires(band, payload)) continue;
      hostFired = true;
      fired.add(h.host);
      const remote = h.topRemote ?? topReceiver(ctx);
      out.push(this.finding(`host:${h.host}`, { localHost: h.host, ...(remote ? { remote } : {}) }, payload, band, own ? 'host.payloadOut' : 'hosts.maxPayloadOut',
        `${h.host} sent ${formatBytes(payload)}/s out, expected at most ${formatBytes(band.high)}/s ${this.baseline.calendar.describe(band.exp.slot, w.start)}${remote ? `, mostly to ${remote}` : ''}`,
        [
          { feature: 'host.payloadOut', observed: payload, expected: band.median, excess: value - band.exp.high },
        ]));
    }
    hostFired = this.minuteVolumes(ctx, out, fired) || hostFired;
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
  private minuteVolumes(ctx: WindowContext, out: Finding[], fired: Set<string>): boolean {
    const { w } = ctx;
    this.rolling ??= new RollingUpload(w.durationMs);
    const hour = this.baseline.calendar.slot(w.start).hourOfDay;
    const anyHost = this.limits.uploadMinuteMaxAnyHost[hour] ?? 0;
    let any = false;
    const rolling = this.rolling;
    for (const [host, bytes] of rolling.add(w)) {
      if (fired.has(host) || bytes < MIN_MINUTE_UPLOAD_BYTES) continue;
      const usual = Math.max(this.limits.uploadMinuteMax[host]?.[hour] ?? 0, anyHost / 2);
      const limit = Math.max(MIN_MINUTE_UPLOAD_BYTES, UPLOAD_HEADROOM * usual);
      // the upload must still be going on: the minute's tail after it stopped is not a new incident
      if (bytes < limit || rolling.current(host) * rolling.horizon < limit) continue;
      any = true;
      const remote = rolling.receiver(host) ?? topReceiver(ctx);
      out.push({
        kind: 'outbound-spike',
        key: `outbound-spike|host:${host}`,
        subject: { localHost: host, ...(remote ? { remote } : {}) },
        strength: (bytes / limit) * UPLOAD_HEADROOM,
        score: round(Math.log2(bytes / limit) + 1),
        observed: { feature: 'host.payloadOutPerMinute', value: round(bytes), unit: 'bytes/min' },
        expected: { low: 0, high: round(usual), median: 0 },
        contributions: contributionsFrom([{ feature: 'host.payloadOutPerMinute', observed: bytes, expected: usual, excess: bytes - usual }]),
        maturity: this.baseline.expect(HOSTS_MAX_SPEC.name, w.start)?.maturity ?? 0,
        summary: `${host} sent ${formatBytes(bytes)} out in the last minute, more than ${UPLOAD_HEADROOM}× the most any ${this.limits.uploadMinuteMax[host] ? 'minute of this host' : 'host sent in a minute'} at this hour (${formatBytes(usual)})${remote ? `; top receiver ${remote}` : ''}`,
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

function fires(band: BandResult, payload: number): boolean {
  return band.strength > 1 && payload - Math.expm1(band.bound) >= MIN_SPIKE_EXCESS_BYTES_PER_S;
}

function topReceiver(ctx: WindowContext): string | undefined {
  let best: string | undefined;
  let max = 0;
  for (const r of ctx.w.topRemoteEndpoints) if (r.bytesOut > max) { max = r.bytesOut; best = r.host; }
  return best;
}
