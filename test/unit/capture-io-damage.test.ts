// Damaged capture files: only CaptureFileError escapes, and every packet before the damage is delivered.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { CaptureFileError, CaptureWriter, openFileSource, openStreamSource, type CaptureWriterOptions } from '../../capture/index.ts';
import { copyRecord, prng, readAll, samplePackets, tempDir, type ReadPacket } from './capture-io-samples.ts';

const dir = tempDir('capture-io-damage');
afterAll(() => dir.remove());

interface Sample {
  bytes: Buffer;
  /** byte offset where each record starts, plus the end of the file */
  offsets: number[];
  packets: ReadPacket[];
}

const VARIANTS: Array<[string, CaptureWriterOptions]> = [
  ['pcap little-endian', { format: 'pcap', linkType: 1 }],
  ['pcap big-endian ns', { format: 'pcap', linkType: 1, bigEndian: true, nanosecond: true }],
  ['pcapng', { format: 'pcapng', linkType: 1, nanosecond: true }],
  ['pcapng big-endian', { format: 'pcapng', linkType: 1, bigEndian: true }],
];

async function build(opts: CaptureWriterOptions, count: number, seed: number, maxLen = 300): Promise<Sample> {
  const w = new CaptureWriter(opts);
  const offsets = [w.toBuffer().length];
  for (const p of samplePackets(count, seed, { maxLen })) {
    w.packet(p.tsSec, p.tsNsec, p.data, p.origLen);
    offsets.push(w.toBuffer().length);
  }
  const bytes = w.toBuffer();
  const packets = await readAll(openFileSource([save(bytes)]));
  return { bytes, offsets, packets };
}

let fileNo = 0;
function save(bytes: Uint8Array): string {
  const path = join(dir.path, `f${fileNo++}`);
  writeFileSync(path, bytes);
  return path;
}

interface Outcome {
  packets: ReadPacket[];
  error: unknown;
}

/** Reads from a file, or (for speed in the fuzz loop) from a stream cut into 100-byte pieces. */
async function readDamaged(bytes: Uint8Array, via: 'file' | 'stream' = 'file'): Promise<Outcome> {
  const packets: ReadPacket[] = [];
  let error: unknown = null;
  const pieces: Uint8Array[] = [];
  for (let off = 0; off < bytes.length; off += 100) pieces.push(bytes.subarray(off, off + 100));
  const source = via === 'file' ? openFileSource([save(bytes)]) : openStreamSource(Readable.from(pieces));
  try {
    await source.run((p) => {
      expect(p.data.length).toBe(p.capLen);
      packets.push(copyRecord(p));
    });
  } catch (err) {
    error = err;
  }
  return { packets, error };
}

/** Records that end at or before `damageAt` are intact and must all be delivered unchanged. */
function intactBefore(sample: Sample, damageAt: number): number {
  let n = 0;
  while (n + 1 < sample.offsets.length && sample.offsets[n + 1]! <= damageAt) n++;
  return n;
}

function expectCaptureFileError(err: unknown, offset: number, before: number): void {
  expect(err).toBeInstanceOf(CaptureFileError);
  const e = err as CaptureFileError;
  expect(e.offset).toBe(offset);
  expect(e.message).toMatch(new RegExp(`: truncated or corrupt record at byte offset ${offset} \\(.+\\); the ${before} packets? before it (were|was) read$`));
}

describe.each(VARIANTS)('damaged %s', (_name, opts) => {
  it('cut in the middle of a record: the packets before it, then the error at the record', async () => {
    const s = await build(opts, 20, 1);
    const k = 12;
    const { packets, error } = await readDamaged(s.bytes.subarray(0, s.offsets[k]! + 30));
    expect(packets).toEqual(s.packets.slice(0, k));
    expectCaptureFileError(error, s.offsets[k]!, k);
    expect((error as Error).message).toMatch(/past the end of the file/);
  });

  it('cut inside a record header', async () => {
    const s = await build(opts, 20, 2);
    const k = 7;
    const { packets, error } = await readDamaged(s.bytes.subarray(0, s.offsets[k]! + 7));
    expect(packets).toEqual(s.packets.slice(0, k));
    expectCaptureFileError(error, s.offsets[k]!, k);
  });

  it('a garbage record length', async () => {
    const s = await build(opts, 20, 3);
    const k = 5;
    const bytes = Buffer.from(s.bytes);
    const lengthField = opts.format === 'pcap' ? 8 : 4;
    bytes.writeUInt32LE(0x7ffffff0, s.offsets[k]! + lengthField);
    const { packets, error } = await readDamaged(bytes);
    expect(packets).toEqual(s.packets.slice(0, k));
    expectCaptureFileError(error, s.offsets[k]!, k);
  });

  it('zero bytes appended: every real packet, then an error or a clean end, nothing else', async () => {
    const s = await build(opts, 20, 4);
    const { packets, error } = await readDamaged(Buffer.concat([s.bytes, Buffer.alloc(40)]));
    expect(packets.slice(0, 20)).toEqual(s.packets);
    // pcap reads 16 zero bytes as an empty record (as tcpdump does); pcapng finds an invalid block length.
    expect(packets.slice(20).every((p) => p.capLen === 0 && p.origLen === 0)).toBe(true);
    expectCaptureFileError(error, s.offsets[20]! + (opts.format === 'pcap' ? 32 : 0), packets.length);
  });

  it('one byte flipped in each header byte position of a record: the packets before it are delivered', async () => {
    const s = await build(opts, 20, 5);
    const k = 9;
    const headerBytes = opts.format === 'pcap' ? 16 : 28;
    for (let i = 0; i < headerBytes; i++) {
      const bytes = Buffer.from(s.bytes);
      bytes[s.offsets[k]! + i]! ^= 0xff;
      const { packets, error } = await readDamaged(bytes);
      expect(packets.slice(0, k)).toEqual(s.packets.slice(0, k));
      if (error !== null) expect(error).toBeInstanceOf(CaptureFileError);
    }
  });
});

describe('fuzz: random mutations and truncations of small captures', () => {
  it('2000 damaged files and streams: never anything but CaptureFileError, intact records always delivered', async () => {
    const rnd = prng(20261128);
    const samples = await Promise.all(VARIANTS.map(([, opts], i) => build(opts, 8, 100 + i, 80)));
    let errors = 0;
    for (let round = 0; round < 2000; round++) {
      const s = samples[round % samples.length]!;
      const bytes = Buffer.from(s.bytes);
      let damageAt = bytes.length;
      let mutated: Buffer = bytes;
      const op = Math.floor(rnd() * 4);
      const at = Math.floor(rnd() * bytes.length);
      if (op === 0) {
        mutated = bytes.subarray(0, at);
        damageAt = at;
      } else if (op === 1) {
        bytes[at] = Math.floor(rnd() * 256);
        damageAt = at;
      } else if (op === 2) {
        const p = Math.min(at & ~3, bytes.length - 4);
        bytes.writeUInt32LE(Math.floor(rnd() * 2 ** 32), p);
        damageAt = p;
      } else {
        const garbage = Buffer.alloc(1 + Math.floor(rnd() * 64));
        for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(rnd() * 256);
        mutated = Buffer.concat([bytes.subarray(0, at), garbage, bytes.subarray(at)]);
        damageAt = at;
      }
      const { packets, error } = await readDamaged(mutated, round % 2 === 0 ? 'file' : 'stream');
      if (error !== null) {
        errors++;
        if (!(error instanceof CaptureFileError)) throw error;
      }
      const intact = intactBefore(s, damageAt);
      expect(packets.slice(0, intact)).toEqual(s.packets.slice(0, intact));
    }
    expect(errors).toBeGreaterThan(500);
  });
});
