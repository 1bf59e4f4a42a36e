// Deterministic packets and a collector shared by the capture/io tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PacketRecord, PacketSource } from '../../capture/index.ts';
import { seededRandom } from '../../model/index.ts';

export interface SamplePacket {
  tsSec: number;
  tsNsec: number;
  data: Uint8Array;
  origLen: number;
  iface: number;
}

export interface ReadPacket {
  tsSec: number;
  tsNsec: number;
  origLen: number;
  capLen: number;
  data: Uint8Array;
  linkType: number;
  iface: number;
}

/** mulberry32: small, fast and reproducible (the model's seeded generator) */
export const prng = seededRandom;

export function samplePackets(count: number, seed: number, opts: { interfaces?: number; maxLen?: number } = {}): SamplePacket[] {
  const rnd = prng(seed);
  const maxLen = opts.maxLen ?? 1514;
  const out: SamplePacket[] = [];
  let sec = 1_700_000_000 + Math.floor(rnd() * 1000);
  for (let i = 0; i < count; i++) {
    sec += rnd() < 0.3 ? 1 : 0;
    const len = 14 + Math.floor(rnd() * (maxLen - 13));
    const data = new Uint8Array(len);
    for (let j = 0; j < len; j++) data[j] = (rnd() * 256) | 0;
    const truncatedOnWire = rnd() < 0.1;
    out.push({
      tsSec: sec,
      tsNsec: Math.floor(rnd() * 1e9),
      data,
      origLen: truncatedOnWire ? len + 1 + Math.floor(rnd() * 9000) : len,
      iface: Math.floor(rnd() * (opts.interfaces ?? 1)),
    });
  }
  return out;
}

export function copyRecord(p: PacketRecord): ReadPacket {
  return { tsSec: p.tsSec, tsNsec: p.tsNsec, origLen: p.origLen, capLen: p.capLen, data: p.data.slice(), linkType: p.linkType, iface: p.iface };
}

export async function readAll(source: PacketSource): Promise<ReadPacket[]> {
  const out: ReadPacket[] = [];
  await source.run((p) => out.push(copyRecord(p)));
  return out;
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `spanwatch-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
