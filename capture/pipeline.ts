// The capture pipeline: source → decoder → flow table → window aggregator → WindowStats.
import type { PacketRecord, PacketSource, SourceCounters } from './packet.ts';
import { DIRECTIONS, type Direction, type WindowStats } from './windowStats.ts';
import { IP_PROTO, type DecodedPacket } from './decode/decodedPacket.ts';
import { PacketDecoder } from './decode/packetDecoder.ts';
import { DEFAULT_FLOW_CAPACITY, DEFAULT_FLOW_TIMEOUTS, FlowTable, type FlowTimeouts, type FlowTrack } from './flows/flowTable.ts';
import { DEFAULT_LOCAL_NETS, LocalNetworks } from './flows/localNetworks.ts';
import { DEFAULT_WINDOW_LIMITS, type WindowLimits } from './windows/windowAccumulator.ts';
import { WindowAggregator, type ClosedShards, type WindowAggregatorOptions } from './windows/windowAggregator.ts';
import { timestampIso } from './structures/timestampText.ts';
import { MAX_REMOTES } from './windows/windowAddresses.ts';
import { DEFAULT_PASSIVE_DNS_CAPACITY, PassiveDnsNames } from './evidence/passiveDnsNames.ts';
import type { PacketRing } from './evidence/packetRing.ts';

export interface PipelineOptions {
  sensor: string;
  /** window length in ms (default 1000) */
  windowMs?: number;
  /** CIDRs of the local networks (default RFC 1918, RFC 4193, link-local, loopback) */
  localNets?: string[];
  /** local hosts and remote endpoints listed per window (default 20) */
  topK?: number;
  /** flows held at once (default 1,000,000); beyond it the oldest-idle flow is evicted */
  flowCapacity?: number;
  /** double the flow table when it is full instead of evicting (to count a whole capture; memory grows with the flows) */
  growFlowTable?: boolean;
  /** on a live source, close a window this long after its end if no packet did (default window + 1 s) */
  quietFlushMs?: number;
  flowTimeouts?: Partial<FlowTimeouts>;
  /** most empty windows emitted for one gap (default: 3,600 live, 1,000,000 for files) */
  maxGapWindows?: number;
  /** bounds on the lists and sets kept per window */
  limits?: Partial<Omit<WindowLimits, 'topK'>>;
  /** addresses the passive DNS table remembers (default 65,536; 0 turns it off) */
  passiveDnsCapacity?: number;
  /** keep a copy of every packet here (for the evidence pcaps) */
  packetRing?: PacketRing;
  /** a shard of a sharded pipeline (capture/shards): counts into the windows its dispatcher names
   *  (ingestShard) and hands closed windows over as WindowShards */
  shard?: boolean;
}

export interface CaptureTotals {
  packets: number;
  /** sum of original (on-the-wire) lengths */
  bytes: number;
  /** sum of captured lengths */
  capturedBytes: number;
  /** flows created (all protocols); see flowsByProtocol */
  flows: number;
  /** flows evicted from a full table: a flow seen again after its eviction is counted again in `flows` */
  flowEvictions: number;
  flowsByProtocol: { tcp: number; udp: number; icmp: number; other: number };
  decodeErrors: number;
  /** earliest and latest packet timestamp, ISO-8601 with nanoseconds (UTC) */
  firstTs: string | null;
  lastTs: string | null;
  directions: Record<Direction, { packets: number; bytes: number }>;
}

const NO_COUNTERS: SourceCounters = { packetsDropped: 0, packetsIfDropped: 0 };

export class CapturePipeline {
  private readonly decoder = new PacketDecoder();
  /** what the flow table found for the packet decodeAndTrack() saw last */
  private track: FlowTrack = { flow: -1, isNew: false, fromInitiator: false };
  private readonly table: FlowTable;
  private readonly aggregator: WindowAggregator;
  private readonly dirPackets = new Float64Array(4);
  private readonly dirBytes = new Float64Array(4);
  private readonly protoFlows = new Float64Array(4);
  private source: PacketSource | null = null;
  private packets = 0;
  private bytes = 0;
  private capturedBytes = 0;
  private decodeErrors = 0;
  private minSec = Infinity;
  private minNsec = 0;
  private maxSec = -Infinity;
  private maxNsec = 0;
  private readonly windowMs: number;
  private readonly quietFlushMs: number;
  private readonly maxGapLive: number;
  private readonly aggOpts: WindowAggregatorOptions;
  private readonly onPacket = (rec: PacketRecord): void => this.ingest(rec);
  /** passive DNS: the names A/AAAA answers gave addresses (null when turned off) */
  readonly names: PassiveDnsNames | null;
  private readonly ring: PacketRing | null;

  constructor(opts: PipelineOptions, onWindow: (w: WindowStats) => void) {
    this.windowMs = opts.windowMs ?? 1000;
    if (!(this.windowMs > 0)) throw new Error(`window length must be greater than 0 ms (got ${this.windowMs})`);
    this.quietFlushMs = opts.quietFlushMs ?? this.windowMs + 1000;
    this.table = new FlowTable(opts.flowCapacity ?? DEFAULT_FLOW_CAPACITY, { ...DEFAULT_FLOW_TIMEOUTS, ...opts.flowTimeouts }, opts.growFlowTable ?? false);
    this.maxGapLive = opts.maxGapWindows ?? 3_600;
    const namesCapacity = opts.passiveDnsCapacity ?? DEFAULT_PASSIVE_DNS_CAPACITY;
    this.names = namesCapacity > 0 ? new PassiveDnsNames(namesCapacity) : null;
    this.ring = opts.packetRing ?? null;
    this.aggOpts = {
      sensor: opts.sensor,
      windowMs: this.windowMs,
      localNets: new LocalNetworks(opts.localNets ?? DEFAULT_LOCAL_NETS),
      limits: { ...DEFAULT_WINDOW_LIMITS, ...opts.limits, topK: opts.topK ?? DEFAULT_WINDOW_LIMITS.topK },
      maxGapWindows: opts.maxGapWindows ?? 1_000_000,
      quietFlushMs: this.quietFlushMs,
      names: this.names,
      shard: opts.shard ?? false,
    };
    // a shard lists every DNS name it sees (up to the distinct limit): which of them the window
    // lists depends on the other shards' names, and the merge cuts the list
    if (opts.shard === true) this.aggOpts.limits.dnsNames = this.aggOpts.limits.distinct;
    if (this.aggOpts.limits.remotes > MAX_REMOTES) {
      throw new Error(`at most ${MAX_REMOTES} remote endpoints can be tracked per window (got ${this.aggOpts.limits.remotes})`);
    }
    this.aggregator = new WindowAggregator(this.aggOpts, this.table, onWindow, () => this.source?.counters() ?? NO_COUNTERS);
  }

  /**
   * Reads `source` to its end (or stop()), then emits every window still open. A live source also
   * gets a wall-clock timer that closes windows on a quiet link. A source error is re-thrown after
   * the windows before it have been emitted.
   */
  async run(source: PacketSource): Promise<void> {
    this.source = source;
    let timer: NodeJS.Timeout | null = null;
    if (source.live) {
      this.aggregator.maxGapWindows = this.maxGapLive;
      timer = setInterval(() => this.aggregator.flushIdle(Date.now()), Math.min(this.windowMs, 1000));
    }
    try {
      await source.run(this.onPacket);
    } finally {
      if (timer) clearInterval(timer);
      this.aggregator.flushAll();
    }
  }

  stop(): void {
    this.source?.stop();
  }

  /** Counts one packet (what run() calls per packet; public for tests and benchmarks). */
  ingest(rec: PacketRecord): void {
    const ring = this.ring;
    if (ring !== null) ring.add(rec);
    const p = this.decodeAndTrack(rec);
    const d = this.aggregator.add(p, this.track, this.packets - 1);
    this.dirPackets[d]!++;
    this.dirBytes[d]! += rec.origLen;
  }

  /**
   * A shard: counts packet number `seq` in window `window`, as the dispatcher decided; when
   * `closeBefore` is a window index, the windows before it close once the packet is in the flow
   * table and before it is counted (as a single pipeline closes them), and are returned.
   */
  ingestShard(rec: PacketRecord, seq: number, window: number, closeBefore: number): ClosedShards | null {
    const p = this.decodeAndTrack(rec);
    const closed = Number.isNaN(closeBefore) ? null : this.aggregator.closeBefore(closeBefore);
    const d = this.aggregator.addTo(window, p, this.track, seq);
    this.dirPackets[d]!++;
    this.dirBytes[d]! += rec.origLen;
    return closed;
  }

  /** A shard: expires flows as the other shards' packets up to `nowMs` would have. */
  advanceClock(nowMs: number): void {
    this.table.advanceClock(nowMs);
  }

  /** A shard: closes the windows before `index` (a close without a packet of this shard). */
  closeBefore(index: number): ClosedShards {
    return this.aggregator.closeBefore(index);
  }

  /** A shard: flows evicted so far, and flows in the table now. */
  flowTableState(): { evictions: number; size: number } {
    return { evictions: this.table.evictions, size: this.table.size };
  }


  private decodeAndTrack(rec: PacketRecord): DecodedPacket {
    const p = this.decoder.decode(rec);
    this.packets++;
    this.bytes += rec.origLen;
    this.capturedBytes += rec.capLen;
    if (p.malformed) this.decodeErrors++;
    const s = rec.tsSec;
    if (s < this.minSec || (s === this.minSec && rec.tsNsec < this.minNsec)) {
      this.minSec = s;
      this.minNsec = rec.tsNsec;
    }
    if (s > this.maxSec || (s === this.maxSec && rec.tsNsec > this.maxNsec)) {
      this.maxSec = s;
      this.maxNsec = rec.tsNsec;
    }
    const track = this.table.track(p);
    if (track.flow >= 0) {
      if (track.isNew) {
        const proto = p.proto;
        // TCP/UDP flows need ports: fragments whose first fragment was never seen count as `other`
        const ported = p.hasPorts;
        this.protoFlows[proto === IP_PROTO.TCP && ported ? 0 : proto === IP_PROTO.UDP && ported ? 1
          : proto === IP_PROTO.ICMP || proto === IP_PROTO.ICMPV6 ? 2 : 3]!++;
      }
    }
    this.track = track;
    return p;
  }

  /** Closes windows on the wall clock, as the live timer does (for callers driving ingest() themselves). */
  flushIdle(nowWallMs: number): void {
    this.aggregator.flushIdle(nowWallMs);
  }

  /** Emits every open window (for callers driving ingest() themselves). */
  flush(): void {
    this.aggregator.flushAll();
  }

  totals(): CaptureTotals {
    const directions = {} as Record<Direction, { packets: number; bytes: number }>;
    DIRECTIONS.forEach((d, i) => { directions[d] = { packets: this.dirPackets[i]!, bytes: this.dirBytes[i]! }; });
    const f = this.protoFlows;
    return {
      packets: this.packets,
      bytes: this.bytes,
      capturedBytes: this.capturedBytes,
      flows: this.table.created,
      flowEvictions: this.table.evictions,
      flowsByProtocol: { tcp: f[0]!, udp: f[1]!, icmp: f[2]!, other: f[3]! },
      decodeErrors: this.decodeErrors,
      firstTs: this.packets > 0 ? timestampIso(this.minSec, this.minNsec) : null,
      lastTs: this.packets > 0 ? timestampIso(this.maxSec, this.maxNsec) : null,
      directions,
    };
  }

}
