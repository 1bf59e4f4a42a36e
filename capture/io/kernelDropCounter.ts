// Kernel ring drops (libpcap's ps_drop) for the packet socket `cap` opened. The cap binding does not
// expose pcap_stats, so a tiny N-API addon (native/packetSocketStats.cc) reads PACKET_STATISTICS
// from the socket, found through /proc. The addon is compiled on first use into var/native/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface PacketStatsAddon {
  /** [packets, drops] since the previous call (the kernel resets them on read) */
  packetSocketStats(fd: number): [number, number];
}

const SOURCE = join(import.meta.dirname, 'native', 'packetSocketStats.cc');
const PACKET_STATS_ADDON_PATH = join(import.meta.dirname, '..', '..', 'var', 'native', 'packet-socket-stats.node');

/**
 * Compiles the addon with g++ and the Node headers that setup installs for `cap`. Built under a
 * temporary name and renamed, so processes building at the same time never load a partial file.
 */
function buildPacketStatsAddon(): void {
  mkdirSync(dirname(PACKET_STATS_ADDON_PATH), { recursive: true });
  const partial = `${PACKET_STATS_ADDON_PATH}.${process.pid}.tmp`;
  execFileSync(
    'g++',
    ['-shared', '-fPIC', '-O2', '-DNODE_GYP_MODULE_NAME=packet_socket_stats', `-I${nodeIncludeDir()}`, SOURCE, '-o', partial],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  renameSync(partial, PACKET_STATS_ADDON_PATH);
}

function nodeIncludeDir(): string {
  const bundled = join(dirname(process.execPath), '..', 'include', 'node');
  return existsSync(join(bundled, 'node_api.h')) ? bundled : '/usr/include/node';
}

let addon: PacketStatsAddon | null | undefined;
let unavailable = '';

/** The addon, built if missing or older than its source; null (with the reason in `unavailable`) when it cannot be. */
function loadAddon(): PacketStatsAddon | null {
  if (addon !== undefined) return addon;
  try {
    const stale = !existsSync(PACKET_STATS_ADDON_PATH) || statSync(PACKET_STATS_ADDON_PATH).mtimeMs < statSync(SOURCE).mtimeMs;
    if (stale) buildPacketStatsAddon();
    addon = createRequire(import.meta.url)(PACKET_STATS_ADDON_PATH) as PacketStatsAddon;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    unavailable = stderr !== undefined && stderr !== '' ? stderr.split('\n')[0]! : (err as Error).message;
    addon = null;
  }
  return addon;
}

/** Inodes of every packet socket in this network namespace. */
export function packetSocketInodes(): Set<number> {
  const inodes = new Set<number>();
  let text: string;
  try {
    text = readFileSync('/proc/net/packet', 'utf8');
  } catch {
    return inodes;
  }
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 9) inodes.add(Number(cols[8]));
  }
  return inodes;
}

function ownSocketFd(inodes: Set<number>): number | null {
  for (const entry of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${entry}`));
      if (m !== null && inodes.has(Number(m[1]))) return Number(entry);
    } catch {
      // the fd closed while we looked
    }
  }
  return null;
}

export class KernelDropCounter {
  private dropped = 0;

  private constructor(
    private readonly fd: number,
    private readonly stats: PacketStatsAddon,
  ) {}

  /**
   * Call with the packet-socket inodes from before the capture was opened: the new socket that this
   * process holds is the capture's. Returns null with `reason` set when the counter is unavailable.
   */
  static attach(inodesBefore: Set<number>): { counter: KernelDropCounter | null; reason: string } {
    const stats = loadAddon();
    if (stats === null) return { counter: null, reason: `the packet statistics addon is unavailable (${unavailable})` };
    const fresh = new Set([...packetSocketInodes()].filter((i) => !inodesBefore.has(i)));
    const fd = ownSocketFd(fresh);
    if (fd === null) return { counter: null, reason: 'the capture socket was not found in /proc' };
    const counter = new KernelDropCounter(fd, stats);
    counter.read();
    return { counter, reason: '' };
  }

  /** Cumulative packets the kernel dropped because the capture ring was full. */
  read(): number {
    try {
      this.dropped += this.stats.packetSocketStats(this.fd)[1];
    } catch {
      // the socket is closed: the last total stands
    }
    return this.dropped;
  }
}

/** Builds and loads the addon now; setup calls this so a sensor installed read-only needs no compiler. */
export function preparePacketStatsAddon(): { ok: true; path: string } | { ok: false; reason: string } {
  return loadAddon() ? { ok: true, path: PACKET_STATS_ADDON_PATH } : { ok: false, reason: unavailable };
}
