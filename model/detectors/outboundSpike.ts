// outbound-spike: local hosts (or the network as a whole) send far more payload out than the
// baseline knows for this time. Only outbound payload counts — bytes beyond headers — so the
// acknowledgement stream of a big download never looks like an upload.
import { HEADER_BYTES_PER_PACKET, NETWORK_FEATURES, activeHosts, featureIndex, hostPayloadToRemote } from '../features.ts';
import type { HostBaselines } from '../hostBaselines.ts';
import type { SeasonalBaseline } from '../seasonalBaseline.ts';
import { upperBand, type BandResult } from './bandCheck.ts';
import { contributionsFrom, formatBytes, round, type Detector, type Finding, type WindowContext } from './finding.ts';
import { RollingUpload } from './uploadVolume.ts';
import { SharedUploadVolumes } from './sharedVolume.ts';
import { VOLUME_DECAY_MS, othersVolume, type NetworkVerdict } from '../destinationBaseline.ts';
import type { SharedUploads } from '../sharedUploads.ts';

/** An upload must exceed what is expected by at least this much per second to count. */
export const MIN_SPIKE_EXCESS_BYTES_PER_S = 100_000;

const PAYLOAD = featureIndex('outbound.payload');
const PAYLOAD_SPEC = NETWORK_FEATURES[PAYLOAD]!;

/** A minute's upload by one host must reach this many bytes to count. */
export const MIN_MINUTE_UPLOAD_BYTES = 200_000;
/** …and this many times the largest minute seen at this hour in training. */
export const UPLOAD_HEADROOM = 2;
/** Over the ten minutes a shared network's volume spans, the minute's floor sustained: 2 MB. */
export const MIN_SHARED_UPLOAD_BYTES = MIN_MINUTE_UPLOAD_BYTES * (VOLUME_DECAY_MS / 60_000);
/** A network-wide upload that one host sends at least this share of is that host's to answer for. */
export const SINGLE_HOST_SHARE = 0.5;

export class OutboundSpikeDetector implements Detector {
  private rolling: RollingUpload | null = null;
  private readonly sharedVolumes: SharedUploadVolumes | null;

  /**
   * `shared`: uploads to networks many hosts send to may be as large as the other hosts sent
   * there (sharedUploads.ts); without it every upload is judged by the host's own history.
   */
  constructor(private readonly baseline: SeasonalBaseline, private readonly hosts: HostBaselines, private readonly shared?: SharedUploads) {
    this.sharedVolumes = shared ? new SharedUploadVolumes(shared) : null;
  }

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
    // the most one host sent: what one host explains is judged by that host's limits
    let largestHost = 0;
    for (const h of activeHosts(w)) {
      const payload = Math.min(hostPayloadToRemote(h) * perSec, leftNetwork);
      if (payload > largestHost) largestHost = payload;
      if (payload < MIN_SPIKE_EXCESS_BYTES_PER_S || this.shared?.isShared(h, w.start)) continue;
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
    hostFired = this.sharedNetworkVolumes(ctx, out, fired, slot) || hostFired;
    if (hostFired) return;
    const v = ctx.features[PAYLOAD]!;
    const payload = Math.expm1(v);
    if (payload < MIN_SPIKE_EXCESS_BYTES_PER_S) return;
    // with every host in the window, a network total that one host explains was judged with that
    // host's own limits above; the network's band is for what many hosts send together
    if (w.localHosts !== undefined && largestHost >= SINGLE_HOST_SHARE * payload) return;
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
      // a minute going to a network many hosts send to may also be as large as the other hosts
      // sent there: the host's own week rarely holds the site's largest cloud sync
      const receiver = rolling.receiver(k);
      const net = receiver !== undefined ? this.shared?.networkOfRemote(receiver, w.start) ?? null : null;
      const others = net ? othersUsual(net, host) : 0;
      const usual = Math.max(lim.minuteMax, others);
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
        summary: `${host} sent ${formatBytes(bytes)} out in the last minute, more than ${UPLOAD_HEADROOM}× ${net && others > lim.minuteMax
          ? `the ${formatBytes(others)} another host sent to ${net.network} (a network ${net.hosts} hosts send to) within 10 min in training;`
          : describeLimit(lim.source, usual, ' in a minute').replace(/^at most /, '')} ${this.hosts.calendar.describe('day-type-hour', w.start)}${remote ? `; top receiver ${remote}` : ''}`,
        holdMs: 10_000,
      });
    }
    return any;
  }

  /**
   * Uploads to networks many hosts send to: a host's volume over about ten minutes against the most
   * any other host sent to that network in training, or its own largest hour around this time.
   */
  private sharedNetworkVolumes(ctx: WindowContext, out: Finding[], fired: Set<string>, slot: number): boolean {
    if (!this.sharedVolumes) return false;
    let any = false;
    for (const v of this.sharedVolumes.add(ctx.w)) {
      if (fired.has(v.host)) continue;
      const others = othersUsual(v.network, v.host);
      const own = this.hosts.uploadLimits(v.host, slot).hourMax;
      const usual = Math.max(others, own);
      const limit = Math.max(MIN_SHARED_UPLOAD_BYTES, UPLOAD_HEADROOM * usual);
      if (v.bytes < limit) continue;
      any = true;
      out.push({
        kind: 'outbound-spike',
        key: `outbound-spike|host:${v.host}`,
        subject: { localHost: v.host, remote: v.receiver },
        strength: (v.bytes / limit) * UPLOAD_HEADROOM,
        score: round(Math.log2(v.bytes / limit) + 1),
        observed: { feature: 'host.payloadOutShared', value: round(v.bytes), unit: 'bytes' },
        expected: { low: 0, high: round(usual), median: 0 },
        contributions: contributionsFrom([{ feature: 'host.payloadOutShared', observed: v.bytes, expected: usual, excess: v.bytes - usual }]),
        maturity: 1,
        summary: `${v.host} sent ${formatBytes(v.bytes)} within about 10 min to ${v.network.network} (a network ${v.network.hosts} hosts sent to on ${v.network.days} days), more than ${UPLOAD_HEADROOM}× ${others >= own ? `the most another host sent to it within 10 min in training (${formatBytes(others)})` : `its own largest hour ${this.hosts.calendar.describe('day-type-hour', ctx.w.start)} (${formatBytes(own)})`}; top receiver ${v.receiver}`,
        holdMs: 60_000,
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

/**
 * The most any host other than `host` sent to a commonly used network within about ten minutes in
 * training; a network learned as common only online has no such volume yet: its busiest address
 * stands in.
 */
function othersUsual(network: NetworkVerdict, host: string): number {
  return network.hostMaxOf === '' ? network.maxBurst : othersVolume(network, host);
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
