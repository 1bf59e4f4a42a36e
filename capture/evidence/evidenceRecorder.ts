// Writes the pcap around each anomaly from the packet ring: the packets of its subject from a
// minute before its start to a minute after its end. A request opens (or extends) a job; every
// closed window, advance() scans what the ring gained since, once for all jobs, and writes each
// job's packets — all of them while the anomaly is open (updates come seldom; the ring would
// overwrite what a later end needs), then up to a minute after the end its final update gives.
// A job completes when packet time has passed that (or the capture ends). Files are bounded in
// total size, oldest removed first.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureFileWriter } from '../io/captureWriter.ts';
import { ipv4Words, parseIpv6Words } from '../flows/localNetworks.ts';
import { NETWORK, type DecodedPacket } from '../decode/decodedPacket.ts';
import { PacketDecoder } from '../decode/packetDecoder.ts';
import { ReusedPacketRecord } from '../packet.ts';
import type { PacketRing } from './packetRing.ts';
import type { PassiveDnsNames } from './passiveDnsNames.ts';
import { EvidenceFlows } from './evidenceFlows.ts';
import { evidenceName, pruneEvidence } from './evidenceFiles.ts';
import { EVIDENCE_VERSION, type EvidenceRecord } from './evidenceRecord.ts';

/** What the recorder needs to know of an anomaly (bin/ translates the model's record). */
export interface EvidenceRequest {
  anomalyId: string;
  sensor: string;
  /** the subject's local host and/or remote: packets with either as an end are kept */
  hosts: string[];
  /** the anomaly's first window start, last window end and peak window start (ms, packet time) */
  start: number;
  end: number;
  peakAt: number;
  windowMs: number;
  /** false on the anomaly's final update */
  ongoing: boolean;
}

export interface EvidenceRecorderOptions {
  dir: string;
  ring: PacketRing;
  names: PassiveDnsNames | null;
  /** kept before the start and after the end (default 60 s) */
  marginMs?: number;
  /** total size of the pcaps in `dir`; the oldest are removed beyond it */
  maxTotalBytes: number;
  /** anomalies recorded at once; further ones get no evidence (default 64) */
  maxJobs?: number;
  onNotice?: (message: string) => void;
  /** called with each record once its pcap is complete */
  onComplete?: (record: EvidenceRecord) => void;
  now?: () => number;
}

interface HostWords {
  network: number;
  w: Uint32Array;
}

interface Job {
  record: EvidenceRecord;
  name: string;
  hosts: HostWords[];
  /** ring position of the next packet to look at */
  cursor: number;
  /** set during a scan once a packet past `to` was met */
  stopped: boolean;
  final: boolean;
  /** the latest packet time this job has looked at */
  scannedThrough: number;
  writer: CaptureFileWriter | null;
  linkType: number;
  flows: EvidenceFlows;
}

const PCAP_HEADER_BYTES = 24;
const PCAP_RECORD_HEADER_BYTES = 16;
const WRITER_BUFFER_BYTES = 256 * 1024;

function hostWords(address: string): HostWords | null {
  const v4 = ipv4Words(address);
  if (v4 !== null) return { network: NETWORK.IPV4, w: Uint32Array.of(v4, 0, 0, 0) };
  const v6 = parseIpv6Words(address);
  return v6 === null ? null : { network: NETWORK.IPV6, w: v6 };
}

function sameAddress(h: HostWords, network: number, w: Uint32Array): boolean {
  return h.network === network && h.w[0] === w[0] && h.w[1] === w[1] && h.w[2] === w[2] && h.w[3] === w[3];
}

function involves(job: Job, p: DecodedPacket): boolean {
  if (p.network !== NETWORK.IPV4 && p.network !== NETWORK.IPV6) return false;
  for (const h of job.hosts) if (sameAddress(h, p.network, p.src) || sameAddress(h, p.network, p.dst)) return true;
  return false;
}

export class EvidenceRecorder {
  private readonly jobs = new Map<string, Job>();
  private readonly done = new Set<string>();
  private readonly decoder = new PacketDecoder();
  private readonly rec = new ReusedPacketRecord();
  private readonly marginMs: number;
  private readonly now: () => number;
  /** pcaps removed to stay within the size limit */
  removed = 0;
  /** anomalies that got no evidence because maxJobs were recording */
  refused = 0;
  /** complete evidence records written */
  completed = 0;

  constructor(private readonly opts: EvidenceRecorderOptions) {
    this.marginMs = opts.marginMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    mkdirSync(opts.dir, { recursive: true });
  }

  /** Opens or extends the job for an anomaly (its first report, growth or final update). */
  request(r: EvidenceRequest): void {
    if (this.done.has(r.anomalyId)) return;
    let job = this.jobs.get(r.anomalyId);
    if (job === undefined) {
      const hosts = r.hosts.map(hostWords).filter((h): h is HostWords => h !== null);
      if (hosts.length === 0) return;
      if (this.jobs.size >= (this.opts.maxJobs ?? 64)) {
        if (this.refused++ === 0) this.opts.onNotice?.(`evidence: ${this.jobs.size} anomalies are being recorded; ${r.anomalyId} gets no pcap (later ones are counted)`);
        return;
      }
      const ring = this.opts.ring;
      const from = r.start - this.marginMs;
      const head = ring.seek(ring.head);
      const record: EvidenceRecord = {
        version: EVIDENCE_VERSION, anomalyId: r.anomalyId, sensor: r.sensor, state: 'recording', hosts: r.hosts.slice(0, 2),
        from, to: r.end + this.marginMs, packets: 0, fileBytes: 0, gaps: 0, endedEarly: false, truncated: false,
        peakFrom: r.peakAt, peakTo: r.peakAt + r.windowMs, flows: [], flowsDropped: 0, flowsUntrackedPackets: 0, updatedAt: this.now(),
      };
      if (head < ring.tail && ring.timeAt(head) > from) record.ringStartedAt = ring.timeAt(head);
      job = {
        record, name: evidenceName(r.anomalyId), hosts, cursor: head, stopped: false, final: false, scannedThrough: Number.NEGATIVE_INFINITY,
        writer: null, linkType: -1,
        flows: new EvidenceFlows(r.peakAt, r.peakAt + r.windowMs),
      };
      this.jobs.set(r.anomalyId, job);
      this.writeRecord(job);
    } else {
      job.record.to = Math.max(job.record.to, r.end + this.marginMs);
      if (r.peakAt !== job.record.peakFrom) {
        job.record.peakFrom = r.peakAt;
        job.record.peakTo = r.peakAt + r.windowMs;
        job.flows.movePeak(r.peakAt, r.peakAt + r.windowMs);
      }
    }
    if (!r.ongoing && !job.final) {
      job.final = true;
      // while the anomaly was open every packet of its subject was kept: the interval covers them
      job.record.to = Math.max(r.end + this.marginMs, job.scannedThrough);
    }
  }

  /** Writes what the ring gained since the last call; completes jobs whose after-minute has passed. */
  advance(): void {
    if (this.jobs.size === 0) return;
    this.scan();
    const newest = this.opts.ring.newestMs;
    for (const job of [...this.jobs.values()]) if (job.final && newest > job.record.to) this.complete(job, false);
  }

  /** The capture ended: writes what is left and completes every job. */
  finish(): void {
    if (this.jobs.size === 0) return;
    this.scan();
    const newest = this.opts.ring.newestMs;
    for (const job of [...this.jobs.values()]) this.complete(job, newest <= job.record.to);
  }

  /** anomalies being recorded */
  get recording(): number {
    return this.jobs.size;
  }

  private scan(): void {
    const ring = this.opts.ring;
    const tail = ring.tail;
    let pos = tail;
    for (const job of this.jobs.values()) {
      if (job.cursor < ring.head) {
        job.record.gaps++;
        job.cursor = ring.head;
      }
      job.cursor = ring.seek(job.cursor);
      if (job.cursor < pos) pos = job.cursor;
    }
    const rec = this.rec;
    while (pos < tail) {
      const ts = ring.timeAt(pos);
      let p: DecodedPacket | null = null;
      let next = -1;
      for (const job of this.jobs.values()) {
        if (job.stopped || pos < job.cursor) continue;
        // an open anomaly may still grow: its subject's packets are kept until its final update sets the end
        if (job.final && ts > job.record.to) {
          job.stopped = true;
          job.cursor = pos;
          continue;
        }
        if (ts > job.scannedThrough) job.scannedThrough = ts;
        if (ts < job.record.from) continue;
        if (p === null) {
          next = ring.read(pos, rec);
          p = this.decoder.decode(rec);
        }
        if (involves(job, p)) this.write(job, p);
      }
      pos = next >= 0 ? next : ring.next(pos);
    }
    for (const job of this.jobs.values()) {
      if (!job.stopped) job.cursor = tail;
      job.stopped = false;
    }
  }

  private write(job: Job, p: DecodedPacket): void {
    const rec = this.rec;
    const r = job.record;
    if (r.truncated) return;
    if (job.writer === null) {
      job.linkType = rec.linkType;
      job.writer = new CaptureFileWriter(join(this.opts.dir, `${job.name}.pcap.part`), { format: 'pcap', linkType: rec.linkType, nanosecond: true }, WRITER_BUFFER_BYTES);
      r.fileBytes = PCAP_HEADER_BYTES;
    }
    // a pcap holds one link type: packets of another interface of a multi-interface pcapng are left out
    if (rec.linkType !== job.linkType) return;
    const bytes = PCAP_RECORD_HEADER_BYTES + rec.capLen;
    if (r.fileBytes + bytes > this.opts.maxTotalBytes) {
      r.truncated = true;
      return;
    }
    job.writer.packet(rec.tsSec, rec.tsNsec, rec.buffer.subarray(rec.offset, rec.offset + rec.capLen), rec.origLen);
    r.fileBytes += bytes;
    r.packets++;
    if (r.firstPacket === undefined || p.tsMs < r.firstPacket) r.firstPacket = p.tsMs;
    if (r.lastPacket === undefined || p.tsMs > r.lastPacket) r.lastPacket = p.tsMs;
    job.flows.add(p);
  }

  private complete(job: Job, endedEarly: boolean): void {
    const r = job.record;
    const file = `${job.name}.pcap`;
    const dir = this.opts.dir;
    if (job.writer === null) {
      // no packet of the subject in the interval (a silent host): an empty capture says so
      job.writer = new CaptureFileWriter(join(dir, `${job.name}.pcap.part`), { format: 'pcap', linkType: 1, nanosecond: true }, 4096);
      r.fileBytes = PCAP_HEADER_BYTES;
    }
    void job.writer.close();
    renameSync(join(dir, `${job.name}.pcap.part`), join(dir, file));
    const { flows, dropped } = job.flows.top(this.opts.names);
    r.flows = flows;
    r.flowsDropped = dropped;
    r.flowsUntrackedPackets = job.flows.untrackedPackets;
    r.file = file;
    r.state = 'complete';
    r.endedEarly = endedEarly;
    this.writeRecord(job);
    this.jobs.delete(r.anomalyId);
    this.done.add(r.anomalyId);
    if (this.done.size > 100_000) this.done.delete(this.done.values().next().value as string);
    this.completed++;
    this.opts.onComplete?.(r);
    const removed = pruneEvidence(dir, this.opts.maxTotalBytes, file);
    if (removed > 0) {
      this.removed += removed;
      this.opts.onNotice?.(`evidence: removed the ${removed} oldest pcap(s) to stay within ${this.opts.maxTotalBytes} bytes (${this.removed} so far)`);
    }
  }

  private writeRecord(job: Job): void {
    job.record.updatedAt = this.now();
    const path = join(this.opts.dir, `${job.name}.json`);
    writeFileSync(`${path}.tmp`, JSON.stringify(job.record));
    renameSync(`${path}.tmp`, path);
  }
}
