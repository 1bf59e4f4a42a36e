// The part of the `cap` addon (libpcap binding, CommonJS) the live source uses, loaded on first use.
import { createRequire } from 'node:module';

export interface CapDevice {
  name: string;
  description?: string;
}

export interface CapStats {
  ps_recv: number;
  ps_drop: number;
  ps_ifdrop: number;
}

export interface CapHandle {
  /** Returns the link type name ('ETHERNET', 'LINKTYPE_LINUX_SLL', 'RAW', 'NULL', 'IEEE802_11_RADIO' or 'Unknown linktype N'). */
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): this;
  removeAllListeners(event?: string): this;
  /** pcap_stats, in builds of cap that expose it */
  stats?: () => CapStats;
}

interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDevice[] };
}

let loaded: CapModule | null = null;

export function capModule(): CapModule {
  if (loaded === null) {
    const require = createRequire(import.meta.url);
    try {
      loaded = require('cap') as CapModule;
    } catch (err) {
      throw new Error(
        `live capture needs the 'cap' addon, which failed to load (${(err as Error).message}); install libpcap-dev and run npm ci (scripts/setup.sh)`,
      );
    }
  }
  return loaded;
}

const LINK_TYPES: Record<string, number> = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINKTYPE_LINUX_SLL: 113,
  IEEE802_11_RADIO: 127,
};

/** cap's link type name → LINKTYPE_* number (its fallback names the DLT, equal to LINKTYPE for these). */
export function linkTypeNumber(name: string): number {
  const known = LINK_TYPES[name];
  if (known !== undefined) return known;
  const m = /Unknown linktype (\d+)/.exec(name);
  if (m !== null) return Number(m[1]);
  throw new Error(`unexpected link type '${name}' from cap`);
}
