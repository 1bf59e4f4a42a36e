// Which reader a capture needs, from its first bytes (never from the file name).

const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
const PCAPNG_SHB = 0x0a0d0d0a;

/** Bytes detectCaptureFormat looks at. */
export const FORMAT_PROBE_BYTES = 4;

export function detectCaptureFormat(head: Uint8Array): 'pcap' | 'pcapng' | null {
  if (head.length < FORMAT_PROBE_BYTES) return null;
  const magic = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  if (PCAP_MAGICS.has(magic)) return 'pcap';
  if (magic === PCAPNG_SHB) return 'pcapng';
  return null;
}
