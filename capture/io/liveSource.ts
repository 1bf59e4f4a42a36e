// Live capture on an interface through libpcap (native/pcapCapture.cc): packets arrive in batches
// of records with the kernel's timestamps, and are handed on one by one in a reused record.
import { ReusedPacketRecord, type PacketRecord, type PacketSource, type SourceCounters } from '../packet.ts';
import { pcapAddon, type PcapHandle } from './pcapBinding.ts';

export interface LiveSourceOptions {
  iface: string;
  /** a pcap-filter(7) expression applied in the kernel */
  bpf?: string;
  /** bytes kept per packet (1 … 262144; default 262144, libpcap's default) */
  snaplen?: number;
  /** open the interface in promiscuous mode (default true: a SPAN port carries other hosts' traffic) */
  promiscuous?: boolean;
  /** kernel capture buffer; default 64 MiB */
  bufferBytes?: number;
  /** the longest a captured packet waits in the kernel before it is handed over, ms (default 20) */
  deliveryMs?: number;
}

/** The error a live source raises when the capture cannot start or stops working (not a consumer's error). */
export class LiveCaptureError extends Error {
  constructor(readonly iface: string, message: string) {
    super(message);
    this.name = 'LiveCaptureError';
  }
}

export const LIVE_SNAPLEN = 262144;
export const DEFAULT_LIVE_BUFFER_BYTES = 64 * 1024 * 1024;
const DEFAULT_DELIVERY_MS = 20;
/** room for many records per batch: one call into JavaScript per batch */
const BATCH_BYTES = 4 * 1024 * 1024;
const RECORD_HEADER = 16;

export function listInterfaces(): string[] {
  return pcapAddon().devices();
}

export function openLiveSource(opts: LiveSourceOptions): PacketSource {
  const snaplen = opts.snaplen ?? LIVE_SNAPLEN;
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > LIVE_SNAPLEN) {
    throw new Error(`invalid snaplen ${snaplen}: live capture keeps 1…${LIVE_SNAPLEN} bytes per packet`);
  }
  const bufferBytes = opts.bufferBytes ?? DEFAULT_LIVE_BUFFER_BYTES;
  if (!Number.isInteger(bufferBytes) || bufferBytes < 65536 || bufferBytes > 2 ** 31 - 1) {
    throw new Error(`invalid capture buffer ${bufferBytes} bytes: use 64 KiB … 2 GiB`);
  }
  const deliveryMs = opts.deliveryMs ?? DEFAULT_DELIVERY_MS;
  if (!Number.isInteger(deliveryMs) || deliveryMs < 1 || deliveryMs > 1000) {
    throw new Error(`invalid delivery time ${deliveryMs} ms: use 1 … 1000`);
  }
  const available = listInterfaces();
  if (!available.includes(opts.iface)) {
    throw new Error(`interface '${opts.iface}' not found; available: ${available.join(', ')}`);
  }
  return new LiveSource(opts.iface, opts.bpf ?? '', snaplen, opts.promiscuous ?? true, bufferBytes, deliveryMs);
}

class LiveSource implements PacketSource {
  readonly live = true;
  private handle: PcapHandle | null = null;
  private finish: (() => void) | null = null;
  private fail: ((err: Error) => void) | null = null;
  private last: SourceCounters = { packetsDropped: 0, packetsIfDropped: 0 };
  private readonly batch = Buffer.alloc(BATCH_BYTES);
  /** the batch as 32-bit words, for the record headers (written in native byte order, 4-byte aligned) */
  private readonly words = new Uint32Array(this.batch.buffer, this.batch.byteOffset, BATCH_BYTES / 4);
  private readonly rec = new ReusedPacketRecord();

  constructor(
    readonly name: string,
    private readonly bpf: string,
    private readonly snaplen: number,
    private readonly promiscuous: boolean,
    private readonly bufferBytes: number,
    private readonly deliveryMs: number,
  ) {}

  run(onPacket: (packet: PacketRecord) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const addon = pcapAddon();
      const rec = this.rec;
      const words = this.words;
      rec.buffer = this.batch;
      const onBatch = (bytes: number, error?: string): void => {
        if (bytes < 0) {
          this.end(new LiveCaptureError(this.name, `capture on ${this.name} failed: ${error ?? 'unknown error'}`));
          return;
        }
        try {
          for (let off = 0; off < bytes && this.handle !== null;) {
            const w = off >>> 2;
            const capLen = words[w + 2]!;
            rec.tsSec = words[w]!;
            rec.tsNsec = words[w + 1]!;
            rec.capLen = capLen;
            rec.origLen = words[w + 3]!;
            rec.offset = off + RECORD_HEADER;
            onPacket(rec);
            off += RECORD_HEADER + ((capLen + 3) & ~3);
          }
        } catch (err) {
          // a throw must not unwind into the addon's libuv callback: end the capture and report it
          this.end(err as Error);
        }
      };
      let opened: [PcapHandle, number, string];
      try {
        opened = addon.open(this.name, this.bpf, this.snaplen, this.promiscuous, this.bufferBytes, this.deliveryMs, this.batch, onBatch);
      } catch (err) {
        reject(this.openError(err as Error & { code?: string }));
        return;
      }
      const [handle, linkType, warning] = opened;
      rec.linkType = linkType;
      this.handle = handle;
      this.finish = resolve;
      this.fail = reject;
      if (warning !== '') process.emitWarning(`${this.name}: ${warning}`);
    });
  }

  stop(): void {
    this.end(null);
  }

  private end(err: Error | null): void {
    const handle = this.handle;
    if (handle === null) return;
    const addon = pcapAddon();
    addon.close(handle);
    this.last = this.read(handle);
    this.handle = null;
    const finish = this.finish;
    const fail = this.fail;
    this.finish = null;
    this.fail = null;
    if (err === null) finish?.();
    else fail?.(err);
  }

  counters(): SourceCounters {
    return this.handle === null ? this.last : this.read(this.handle);
  }

  private read(handle: PcapHandle): SourceCounters {
    const [, dropped, ifDropped] = pcapAddon().stats(handle);
    return { packetsDropped: dropped, packetsIfDropped: ifDropped };
  }

  private openError(err: Error & { code?: string }): LiveCaptureError {
    const message = err.message;
    if (err.code === 'EPERM' || /permission|not permitted|EPERM|EACCES/i.test(message)) {
      return new LiveCaptureError(
        this.name,
        `cannot capture on ${this.name}: permission denied — run as root or grant CAP_NET_RAW (setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node)))`,
      );
    }
    if (err.code === 'ENODEV' || /no such device|doesn't exist/i.test(message)) {
      return new LiveCaptureError(this.name, `interface '${this.name}' not found; available: ${listInterfaces().join(', ')}`);
    }
    if (err.code === 'EFILTER') {
      return new LiveCaptureError(this.name, `invalid BPF filter '${this.bpf}' for ${this.name}: ${message}`);
    }
    return new LiveCaptureError(this.name, `cannot capture on ${this.name}: ${message}`);
  }
}
