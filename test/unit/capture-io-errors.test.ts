// Bad input and control: exact messages, per-file error handling, speed, stop, writer misuse.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CaptureFileError,
  CaptureFileWriter,
  CaptureWriter,
  detectCaptureFormat,
  openFileSource,
  openStreamSource,
  parseSpeed,
} from '../../capture/index.ts';
import { readAll, samplePackets, tempDir } from './capture-io-samples.ts';

const dir = tempDir('capture-io-errors');
afterAll(() => dir.remove());

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir.path, name);
  writeFileSync(path, bytes);
  return path;
}

function capture(count: number, seed: number, opts: { gapSec?: number } = {}): Buffer {
  const w = new CaptureWriter({ format: 'pcap', linkType: 1, nanosecond: true });
  samplePackets(count, seed).forEach((p, i) => w.packet(1_700_000_000 + i * (opts.gapSec ?? 0), p.tsNsec, p.data, p.origLen));
  return w.toBuffer();
}

async function failure(paths: string[]): Promise<CaptureFileError> {
  const err: unknown = await openFileSource(paths)
    .run(() => undefined)
    .then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(CaptureFileError);
  return err as CaptureFileError;
}

describe('bad files', () => {
  it('not a capture file: names the file, the formats read and the first bytes', async () => {
    const path = file('notes.pcap', 'hello, this is text');
    const err = await failure([path]);
    expect(err.message).toBe(
      `${path}: not a capture file (read: pcap (µs/ns, either byte order), pcapng); first bytes: 68 65 6c 6c 6f 2c 20 74 68 69 73 20 69 73 20 74`,
    );
    expect(err.file).toBe(path);
  });

  it('an empty file', async () => {
    const path = file('empty.pcap', '');
    expect((await failure([path])).message).toBe(
      `${path}: empty file (0 bytes); expected a capture file (read: pcap (µs/ns, either byte order), pcapng)`,
    );
  });

  it('a file that does not exist, and a directory: the OS error', async () => {
    const missing = join(dir.path, 'missing.pcap');
    expect((await failure([missing])).message).toBe(`${missing}: cannot open: ENOENT: no such file or directory`);
    const folder = join(dir.path, 'a-directory');
    mkdirSync(folder);
    expect((await failure([folder])).message).toMatch(new RegExp(`^${folder}: cannot (open|read): EISDIR`));
  });

  it('a pcap file header cut short', async () => {
    const path = file('short.pcap', capture(1, 1).subarray(0, 10));
    expect((await failure([path])).message).toBe(`${path}: truncated pcap file header: 10 of 24 bytes`);
  });

  it('with onFileError a bad file is reported and the next files are still read', async () => {
    const bad = file('bad.pcap', 'garbage garbage garbage');
    const cut = file('cut.pcap', capture(10, 2).subarray(0, 3000));
    const good = file('good.pcap', capture(10, 3));
    const reported: CaptureFileError[] = [];
    const packets = await readAll(openFileSource([bad, cut, good], { onFileError: (e) => reported.push(e) }));
    expect(reported.map((e) => e.file)).toEqual([bad, cut]);
    expect(reported[1]!.message).toMatch(/^.*cut\.pcap: truncated or corrupt record at byte offset \d+ .*; the \d+ packets? before it (were|was) read$/);
    const cutPackets = packets.length - 10;
    expect(cutPackets).toBeGreaterThan(0);
    expect(packets.slice(cutPackets)).toEqual(await readAll(openFileSource([good])));
  });

  it('without onFileError run() rejects at the bad file and later files are not read', async () => {
    const bad = file('bad2.pcap', 'garbage garbage garbage');
    const good = file('good2.pcap', capture(10, 4));
    let delivered = 0;
    await expect(openFileSource([good, bad, good]).run(() => delivered++)).rejects.toBeInstanceOf(CaptureFileError);
    expect(delivered).toBe(10);
  });
});

describe('format detection and speed parsing', () => {
  it('records longer than the snaplen are read in full and reported once per file, with the first offset', async () => {
    const whole = capture(50, 3);
    const sizes = samplePackets(50, 3).map((p) => p.data.length);
    const snaplen = 100;
    const cut = Buffer.from(whole);
    cut.writeUInt32LE(snaplen, 16);
    const over = sizes.filter((n) => n > snaplen).length;
    expect(over).toBeGreaterThan(0);
    // the first long record's offset: the file header, then each record's header and data
    let offset = 24;
    for (const n of sizes) {
      if (n > snaplen) break;
      offset += 16 + n;
    }
    const notices: string[] = [];
    let packets = 0;
    const oversized = file('oversized.pcap', cut);
    const normal = file('normal.pcap', whole);
    await openFileSource([oversized, normal], { onFileNotice: (m) => notices.push(m) }).run(() => { packets++; });
    expect(packets).toBe(100);
    expect(notices).toEqual([
      `${oversized}: ${over} records are longer than the snaplen ${snaplen} (the first at byte offset ${offset}); read in full, as tcpdump and tshark read them`,
    ]);
  });

  it('a pcapng interface snaplen is checked the same way', async () => {
    const w = new CaptureWriter({ format: 'pcapng', linkType: 1 });
    const packets = samplePackets(30, 4);
    for (const p of packets) w.packet(1_700_000_000, p.tsNsec, p.data, p.origLen);
    const bytes = Buffer.from(w.toBuffer());
    // the interface description block follows the section header block; its snaplen is at +12
    const idb = bytes.readUInt32LE(4);
    bytes.writeUInt32LE(64, idb + 12);
    const notices: string[] = [];
    let n = 0;
    await openFileSource([file('oversized.pcapng', bytes)], { onFileNotice: (m) => notices.push(m) }).run(() => { n++; });
    expect(n).toBe(30);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`${packets.filter((p) => p.data.length > 64).length} records are longer than the snaplen 64`);
  });

  it('detects by magic in both byte orders', () => {
    const b = (...x: number[]): Uint8Array => Uint8Array.from(x);
    expect(detectCaptureFormat(b(0xd4, 0xc3, 0xb2, 0xa1))).toBe('pcap');
    expect(detectCaptureFormat(b(0xa1, 0xb2, 0xc3, 0xd4))).toBe('pcap');
    expect(detectCaptureFormat(b(0x4d, 0x3c, 0xb2, 0xa1))).toBe('pcap');
    expect(detectCaptureFormat(b(0xa1, 0xb2, 0x3c, 0x4d))).toBe('pcap');
    expect(detectCaptureFormat(b(0x0a, 0x0d, 0x0d, 0x0a))).toBe('pcapng');
    expect(detectCaptureFormat(b(0x0a, 0x0d, 0x0d))).toBe(null);
    expect(detectCaptureFormat(b(0x50, 0x4b, 0x03, 0x04))).toBe(null);
  });

  it('parses max, realtime and multipliers; rejects anything else clearly', () => {
    expect(parseSpeed('max')).toBe('max');
    expect(parseSpeed('realtime')).toBe('realtime');
    expect(parseSpeed('10')).toBe(10);
    expect(parseSpeed('10x')).toBe(10);
    expect(parseSpeed('0.5x')).toBe(0.5);
    for (const bad of ['fast', '0', '-2', 'x', '10y', '']) {
      expect(() => parseSpeed(bad)).toThrow(`invalid speed '${bad}': use max, realtime, or a multiplier`);
    }
  });
});

describe('delivery control', () => {
  it('max speed yields to the event loop between chunks', async () => {
    const path = file('yield.pcap', capture(400, 5));
    let immediateRan = false;
    let seenAfterImmediate = 0;
    setImmediate(() => {
      immediateRan = true;
    });
    await openFileSource([path], { chunkBytes: 4096 }).run(() => {
      if (immediateRan) seenAfterImmediate++;
    });
    expect(seenAfterImmediate).toBeGreaterThan(0);
  });

  it('a paced replay delivers every packet in order', async () => {
    const w = new CaptureWriter({ format: 'pcap', linkType: 1, nanosecond: true });
    for (let i = 0; i < 5; i++) w.packet(1_700_000_000, i * 2_000_000, new Uint8Array(60).fill(i));
    const got = await readAll(openFileSource([file('paced.pcap', w.toBuffer())], { speed: 'realtime' }));
    expect(got.map((p) => [p.tsNsec, p.data[0]])).toEqual([0, 1, 2, 3, 4].map((i) => [i * 2_000_000, i]));
    const fast = await readAll(openFileSource([file('paced.pcap', w.toBuffer())], { speed: parseSpeed('100x') }));
    expect(fast).toEqual(got);
  });

  it('stop() ends a paced replay while it waits for the next packet', async () => {
    const path = file('hour-apart.pcap', capture(3, 6, { gapSec: 3600 }));
    const source = openFileSource([path], { speed: 'realtime' });
    let delivered = 0;
    const done = source.run(() => {
      delivered++;
      setTimeout(() => source.stop(), 20);
    });
    await done;
    expect(delivered).toBe(1);
  });

  it('stop() ends a stream source that waits for more input', async () => {
    const stream = new PassThrough();
    const source = openStreamSource(stream, { name: 'pipe' });
    const bytes = capture(3, 7);
    stream.write(bytes);
    let delivered = 0;
    const done = source.run(() => {
      delivered++;
      if (delivered === 3) setTimeout(() => source.stop(), 20);
    });
    await done;
    expect(delivered).toBe(3);
    expect(source.counters()).toEqual({ packetsDropped: 0, packetsIfDropped: 0 });
  });
});

describe('writers', () => {
  it('the file writer writes exactly what the memory writer builds, across many buffer flushes', async () => {
    const packets = samplePackets(6000, 8, { maxLen: 1514 });
    for (const format of ['pcap', 'pcapng'] as const) {
      const path = join(dir.path, `big.${format}`);
      // a snaplen above the 4 MiB write buffer, so one record is larger than the buffer
      const fw = new CaptureFileWriter(path, { format, linkType: 1, nanosecond: true, snaplen: 8_000_000 });
      const mw = new CaptureWriter({ format, linkType: 1, nanosecond: true, snaplen: 8_000_000 });
      for (const p of packets) {
        fw.packet(p.tsSec, p.tsNsec, p.data, p.origLen);
        mw.packet(p.tsSec, p.tsNsec, p.data, p.origLen);
      }
      fw.packet(1, 0, new Uint8Array(5_000_000));
      mw.packet(1, 0, new Uint8Array(5_000_000));
      await fw.close();
      const written = readFileSync(path);
      expect(written.length).toBeGreaterThan(8 * 1024 * 1024);
      expect(written.equals(mw.toBuffer())).toBe(true);
      const back = await readAll(openFileSource([path]));
      expect(back.map((p) => p.capLen)).toEqual([...packets.map((p) => p.data.length), 5_000_000]);
      expect(() => fw.packet(1, 0, new Uint8Array(1))).toThrow(`${path}: the capture writer is closed`);
    }
  });

  it('refuses what it cannot encode', () => {
    const pcap = new CaptureWriter({ format: 'pcap', linkType: 1 });
    expect(() => pcap.packet(1, 1e9, new Uint8Array(1))).toThrow('invalid timestamp');
    expect(() => pcap.packet(1, 0, new Uint8Array(1), 1, 1)).toThrow('pcap files have a single interface; got interface 1');
    expect(() => pcap.extraBlock(0xbad, new Uint8Array(4))).toThrow('extra blocks exist only in pcapng files');
    const ng = new CaptureWriter({ format: 'pcapng', linkType: 1, interfaces: [{ linkType: 1 }] });
    expect(() => ng.packet(1, 0, new Uint8Array(1), 1, 2)).toThrow("interface 2 is not one of the writer's 1 interfaces");
    const spb = new CaptureWriter({ format: 'pcapng', linkType: 1, simplePackets: true });
    expect(() => spb.packet(1, 0, new Uint8Array(10), 100)).toThrow('a simple packet block cannot hold 10 captured bytes of a 100-byte packet');
  });
});
