// The libpcap binding the live source uses (native/pcapCapture.cc, N-API): compiled with g++ against
// the Node headers and libpcap on first use, or at setup, into var/native/; rebuilt when its source
// is newer.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface PcapAddon {
  /**
   * Opens a capture; batches of records are written into `batch` and announced with
   * onBatch(bytes), or onBatch(-1, message) when the capture fails. Returns the handle, the
   * LINKTYPE_* number and libpcap's activation warning ('' without one). Throws an Error whose
   * `code` is EPERM, ENODEV, EFILTER or EPCAP.
   */
  open(
    iface: string, filter: string, snaplen: number, promiscuous: boolean, bufferBytes: number, timeoutMs: number,
    batch: Buffer, onBatch: (bytes: number, error?: string) => void,
  ): [PcapHandle, number, string];
  /** [received, dropped by the kernel, dropped by the interface] since open; the last reading after close */
  stats(handle: PcapHandle): [number, number, number];
  /** Stops the capture; safe inside onBatch and more than once. */
  close(handle: PcapHandle): void;
  /** interfaces libpcap can capture on */
  devices(): string[];
}

declare const pcapHandle: unique symbol;
export type PcapHandle = { readonly [pcapHandle]: true };

const SOURCE = join(import.meta.dirname, 'native', 'pcapCapture.cc');
const ADDON_PATH = join(import.meta.dirname, '..', '..', 'var', 'native', 'pcap-capture.node');

function nodeIncludeDir(): string {
  const bundled = join(dirname(process.execPath), '..', 'include', 'node');
  return existsSync(join(bundled, 'node_api.h')) ? bundled : '/usr/include/node';
}

/** Built under a temporary name and renamed, so processes building at the same time never load a partial file. */
function build(): void {
  mkdirSync(dirname(ADDON_PATH), { recursive: true });
  const partial = `${ADDON_PATH}.${process.pid}.tmp`;
  execFileSync(
    'g++',
    ['-shared', '-fPIC', '-O2', '-DNODE_GYP_MODULE_NAME=pcap_capture', `-I${nodeIncludeDir()}`, SOURCE, '-lpcap', '-o', partial],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  renameSync(partial, ADDON_PATH);
}

let addon: PcapAddon | null = null;

/** The binding, built if missing or stale. Throws with what to install when it cannot be built. */
export function pcapAddon(): PcapAddon {
  if (addon !== null) return addon;
  try {
    const stale = !existsSync(ADDON_PATH) || (existsSync(SOURCE) && statSync(ADDON_PATH).mtimeMs < statSync(SOURCE).mtimeMs);
    if (stale) build();
    addon = createRequire(import.meta.url)(ADDON_PATH) as PcapAddon;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    const reason = stderr !== undefined && stderr !== '' ? stderr.split('\n')[0]! : (err as Error).message;
    throw new Error(
      `live capture needs the libpcap binding, which could not be built or loaded (${reason}); run scripts/setup.sh (it installs g++ and libpcap-dev and builds ${ADDON_PATH})`,
    );
  }
  return addon;
}

/** Builds and loads the binding now; setup calls this so a sensor installed read-only needs no compiler. */
export function preparePcapAddon(): { ok: true; path: string } | { ok: false; reason: string } {
  try {
    pcapAddon();
    return { ok: true, path: ADDON_PATH };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}
