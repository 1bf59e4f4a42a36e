// Live capture on an interface through libpcap (`cap`).
import { readFileSync } from 'node:fs';
import { ReusedPacketRecord, type PacketRecord, type PacketSource, type SourceCounters } from '../packet.ts';
import { capModule, linkTypeNumber, type CapHandle } from './capBinding.ts';
import { KernelDropCounter, packetSocketInodes } from './kernelDropCounter.ts';

export interface LiveSourceOptions {
  iface: string;
  /** a pcap-filter(7) expression applied in the kernel */
  bpf?: string;
  /** bytes kept per packet (at most 65535, libpcap's snaplen in cap) */
  snaplen?: number;
  /** cap always opens in promiscuous mode; false is refused rather than ignored */
  promiscuous?: boolean;
  /** kernel capture buffer; default 64 MiB */
  bufferBytes?: number;
}

export const LIVE_SNAPLEN = 65535;
export const DEFAULT_LIVE_BUFFER_BYTES = 64 * 1024 * 1024;

export function listInterfaces(): string[] {
  return capModule()
    .Cap.deviceList()
    .map((d) => d.name);
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
  if (opts.promiscuous === false) {
    throw new Error('promiscuous: false is not supported: the cap binding always opens interfaces in promiscuous mode');
  }
  const available = listInterfaces();
  if (!available.includes(opts.iface)) {
    throw new Error(`interface '${opts.iface}' not found; available: ${available.join(', ')}`);
  }
  return new LiveSource(opts.iface, opts.bpf ?? '', snaplen, bufferBytes);
}

/** ifdrop as libpcap computes it on Linux: the NIC's missed + FIFO errors, here counted from open. */
function interfaceDrops(iface: string): number {
  let total = 0;
  for (const stat of ['rx_missed_errors', 'rx_fifo_errors']) {
    try {
      total += Number(readFileSync(`/sys/class/net/${iface}/statistics/${stat}`, 'utf8').trim()) || 0;
    } catch {
      // pseudo-devices such as `any` have no statistics
    }
  }
  return total;
}

/**
 * cap 0.2.1 stops its libuv poll handle on close() but never uv_close()s it, so once the closed
 * handle is garbage-collected the loop's handle list points into freed memory and the next capture
 * crashes the process. Closed handles are therefore kept alive (a few hundred bytes each).
 */
const closedHandles: CapHandle[] = [];

class LiveSource implements PacketSource {
  readonly live = true;
  private handle: CapHandle | null = null;
  private finish: (() => void) | null = null;
  private ifDropBase = 0;
  private kernelDrops: KernelDropCounter | null = null;
  private last: SourceCounters = { packetsDropped: 0, packetsIfDropped: 0 };
  private readonly buffer = Buffer.alloc(LIVE_SNAPLEN);
  private readonly rec = new ReusedPacketRecord();

  constructor(
    readonly name: string,
    private readonly bpf: string,
    private readonly snaplen: number,
    private readonly bufferBytes: number,
  ) {}

  run(onPacket: (packet: PacketRecord) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const { Cap } = capModule();
      const handle = new Cap();
      // cap hands over no pcap header timestamp: packets are stamped with the wall clock on delivery.
      const baseMs = Date.now();
      const basePerf = performance.now();
      const baseSec = Math.floor(baseMs / 1000);
      const baseNs = (baseMs - baseSec * 1000) * 1e6;
      const rec = this.rec;
      const buffer = this.buffer;
      const snaplen = this.snaplen;
      rec.buffer = buffer;
      rec.offset = 0;
      rec.linkType = 1;
      handle.on('packet', (nbytes: number) => {
        const ns = baseNs + Math.round((performance.now() - basePerf) * 1e6);
        const carry = Math.floor(ns / 1e9);
        rec.tsSec = baseSec + carry;
        rec.tsNsec = ns - carry * 1e9;
        rec.origLen = nbytes;
        rec.capLen = nbytes < snaplen ? nbytes : snaplen;
        try {
          onPacket(rec);
        } catch (err) {
          // A throw must not unwind into the addon's libuv callback: end the capture and report it.
          reject(err);
          this.stop();
        }
      });
      let linkName: string;
      const socketsBefore = packetSocketInodes();
      try {
        linkName = handle.open(this.name, this.bpf, this.bufferBytes, buffer);
      } catch (err) {
        handle.removeAllListeners('packet');
        closedHandles.push(handle);
        reject(this.openError(err));
        return;
      }
      this.handle = handle;
      this.finish = resolve;
      this.ifDropBase = interfaceDrops(this.name);
      const kernel = KernelDropCounter.attach(socketsBefore);
      this.kernelDrops = kernel.counter;
      if (kernel.counter === null && handle.stats === undefined) {
        process.emitWarning(`${this.name}: kernel drop counts unavailable (${kernel.reason}); packetsDropped stays 0`);
      }
      try {
        rec.linkType = linkTypeNumber(linkName);
      } catch (err) {
        reject(err);
        this.stop();
      }
    });
  }

  stop(): void {
    const handle = this.handle;
    if (handle === null) return;
    this.last = this.counters();
    this.handle = null;
    handle.close();
    handle.removeAllListeners('packet');
    closedHandles.push(handle);
    const finish = this.finish;
    this.finish = null;
    if (finish !== null) finish();
  }

  counters(): SourceCounters {
    const handle = this.handle;
    if (handle === null) return this.last;
    const pcapStats = handle.stats?.();
    return {
      packetsDropped: pcapStats?.ps_drop ?? this.kernelDrops?.read() ?? 0,
      packetsIfDropped: pcapStats?.ps_ifdrop ?? interfaceDrops(this.name) - this.ifDropBase,
    };
  }

  private openError(err: unknown): Error {
    const message = err instanceof Error ? err.message : String(err);
    if (/permission|not permitted|EPERM|EACCES/i.test(message)) {
      return new Error(
        `cannot capture on ${this.name}: permission denied — run as root or grant CAP_NET_RAW (setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node)))`,
      );
    }
    if (/no such device|doesn't exist/i.test(message)) {
      return new Error(`interface '${this.name}' not found; available: ${listInterfaces().join(', ')}`);
    }
    if (this.bpf !== '' && /syntax|filter|parse/i.test(message)) {
      return new Error(`invalid BPF filter '${this.bpf}' for ${this.name}: ${message}`);
    }
    return new Error(`cannot capture on ${this.name}: ${message}`);
  }
}
