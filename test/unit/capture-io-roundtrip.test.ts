// Writers → readers for every pcap/pcapng variant, checked against capinfos and tshark as independent readers.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileError, CaptureWriter, openFileSource, openStreamSource, type CaptureWriterOptions } from '../../capture/index.ts';
import { readAll, samplePackets, tempDir, type ReadPacket, type SamplePacket } from './capture-io-samples.ts';

const dir = tempDir('capture-io-roundtrip');
afterAll(() => dir.remove());

/** What a reader must return for a packet written at `tsresol` (floor to the unit, exactly as a writer stores it). */
function expectedNsec(tsNsec: number, tsresol: number): number {
  const units = (tsresol & 0x80) === 0 ? 10n ** BigInt(tsresol) : 2n ** BigInt(tsresol & 0x7f);
  const stored = (BigInt(tsNsec) * units) / 1_000_000_000n;
  return Number((stored * 1_000_000_000n) / units);
}

function expected(p: SamplePacket, linkType: number, snaplen: number, tsresol: number): ReadPacket {
  const capLen = Math.min(p.data.length, snaplen);
  return {
    tsSec: p.tsSec,
    tsNsec: expectedNsec(p.tsNsec, tsresol),
    origLen: p.origLen,
    capLen,
    data: p.data.slice(0, capLen),
    linkType,
    iface: p.iface,
  };
}

function write(name: string, opts: CaptureWriterOptions, packets: SamplePacket[]): string {
  const w = new CaptureWriter(opts);
  for (const p of packets) w.packet(p.tsSec, p.tsNsec, p.data, p.origLen, p.iface);
  const path = join(dir.path, name);
  writeFileSync(path, w.toBuffer());
  return path;
}

function capinfos(path: string): { packets: number; bytes: number } {
  const out = execFileSync('capinfos', ['-T', '-M', '-c', '-d', '-r', path], { encoding: 'utf8' }).trim().split('\t');
  return { packets: Number(out[1]), bytes: Number(out[2]) };
}

/** tshark's view of every frame; a classic pcap has no interface id, so that field is empty. */
function tshark(path: string): string[] {
  return execFileSync(
    'tshark',
    ['-r', path, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.interface_id'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  )
    .replace(/\n$/, '')
    .split('\n');
}

function asTsharkLine(p: ReadPacket, pcapng = true): string {
  return `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}\t${p.origLen}\t${p.capLen}\t${pcapng ? p.iface : ''}`;
}

const sumOrig = (ps: ReadPacket[]): number => ps.reduce((s, p) => s + p.origLen, 0);

describe('classic pcap round trip', () => {
  const packets = samplePackets(300, 1, { maxLen: 2000 });
  for (const nanosecond of [false, true]) {
    for (const bigEndian of [false, true]) {
      const variant = `${nanosecond ? 'ns' : 'µs'} ${bigEndian ? 'big' : 'little'}-endian`;
      it(`${variant}: every field back, exact to the ${nanosecond ? 'ns' : 'µs'}, snaplen cut keeps origLen`, async () => {
        const snaplen = 1500;
        const path = write(`p-${nanosecond}-${bigEndian}.cap`, { format: 'pcap', linkType: 113, nanosecond, bigEndian, snaplen }, packets);
        const got = await readAll(openFileSource([path]));
        expect(got).toEqual(packets.map((p) => expected(p, 113, snaplen, nanosecond ? 9 : 6)));
        expect(got.some((p) => p.capLen < p.origLen)).toBe(true);
        expect(capinfos(path)).toEqual({ packets: got.length, bytes: sumOrig(got) });
        expect(tshark(path)).toEqual(got.map((p) => asTsharkLine(p, false)));
      });
    }
  }
});

describe('pcapng round trip', () => {
  const interfaces = [
    { linkType: 1, tsresol: 9 },
    { linkType: 113 },
    { linkType: 101, tsresol: 0x80 | 20, tsoffset: -3600 },
    { linkType: 276, tsresol: 3, snaplen: 200, tsoffset: 86400 },
  ];
  const tsresols = [9, 6, 0x80 | 20, 3];
  const packets = samplePackets(400, 2, { interfaces: interfaces.length });

  for (const bigEndian of [false, true]) {
    it(`${bigEndian ? 'big' : 'little'}-endian section, 4 interfaces with their own link type, snaplen, if_tsresol and if_tsoffset`, async () => {
      const path = write(`ng-${bigEndian}.pcapng`, { format: 'pcapng', linkType: 1, bigEndian, interfaces }, packets);
      const got = await readAll(openFileSource([path]));
      const want = packets.map((p) => {
        const i = interfaces[p.iface]!;
        return expected(p, i.linkType, i.snaplen ?? 262144, tsresols[p.iface]!);
      });
      expect(got).toEqual(want);
      expect(new Set(got.map((p) => p.linkType))).toEqual(new Set([1, 113, 101, 276]));
      expect(capinfos(path)).toEqual({ packets: got.length, bytes: sumOrig(got) });
    });
  }

  it('tshark reads the same frames (µs and ns interfaces, both byte orders)', async () => {
    const two = [{ linkType: 1, tsresol: 9 }, { linkType: 1 }];
    const sample = samplePackets(120, 3, { interfaces: 2 });
    for (const bigEndian of [false, true]) {
      const path = write(`ng-tshark-${bigEndian}.pcapng`, { format: 'pcapng', linkType: 1, bigEndian, interfaces: two }, sample);
      const got = await readAll(openFileSource([path]));
      expect(got).toHaveLength(120);
      expect(tshark(path)).toEqual(got.map((p) => asTsharkLine(p)));
    }
  });

  it('simple packet blocks: interface 0, orig length from the block, cut to the snaplen, previous timestamp kept', async () => {
    const sample = samplePackets(50, 4, { maxLen: 600 }).map((p) => ({ ...p, origLen: p.data.length }));
    const path = write('spb.pcapng', { format: 'pcapng', linkType: 1, snaplen: 300, simplePackets: true }, sample);
    const got = await readAll(openFileSource([path]));
    expect(got.map((p) => [p.origLen, p.capLen, p.iface, p.linkType, p.tsSec, p.tsNsec])).toEqual(
      sample.map((p) => [p.origLen, Math.min(p.data.length, 300), 0, 1, 0, 0]),
    );
    expect(got.map((p) => Buffer.from(p.data).toString('hex'))).toEqual(sample.map((p) => Buffer.from(p.data.subarray(0, 300)).toString('hex')));
    expect(capinfos(path)).toEqual({ packets: 50, bytes: sumOrig(got) });
  });

  it('EPB and SPB mixed in one file; an SPB takes the time of the packet before it', async () => {
    const w = new CaptureWriter({ format: 'pcapng', linkType: 1 });
    w.packet(1_700_000_000, 5_000, new Uint8Array(64).fill(1));
    const spb = Buffer.alloc(4 + 68);
    spb.writeUInt32LE(68, 0);
    spb.fill(2, 4);
    w.extraBlock(3, spb);
    w.packet(1_700_000_001, 7_000, new Uint8Array(64).fill(3));
    const path = join(dir.path, 'mixed.pcapng');
    writeFileSync(path, w.toBuffer());
    const got = await readAll(openFileSource([path]));
    expect(got.map((p) => [p.tsSec, p.tsNsec, p.origLen, p.capLen, p.data[0]])).toEqual([
      [1_700_000_000, 5_000, 64, 64, 1],
      [1_700_000_000, 5_000, 68, 68, 2],
      [1_700_000_001, 7_000, 64, 64, 3],
    ]);
    expect(capinfos(path).packets).toBe(3);
  });

  it('obsolete packet blocks (type 2) are read like enhanced ones', async () => {
    const w = new CaptureWriter({ format: 'pcapng', linkType: 1, interfaces: [{ linkType: 1 }, { linkType: 101, tsresol: 9 }] });
    const body = Buffer.alloc(20 + 40);
    body.writeUInt16LE(1, 0); // interface
    body.writeUInt16LE(0, 2); // drops
    const units = 1_700_000_123n * 1_000_000_000n + 456_789_012n;
    body.writeUInt32LE(Number(units >> 32n), 4);
    body.writeUInt32LE(Number(units & 0xffffffffn), 8);
    body.writeUInt32LE(40, 12);
    body.writeUInt32LE(1000, 16);
    body.fill(9, 20);
    w.extraBlock(2, body);
    const path = join(dir.path, 'pb.pcapng');
    writeFileSync(path, w.toBuffer());
    const got = await readAll(openFileSource([path]));
    expect(got.map((p) => [p.tsSec, p.tsNsec, p.origLen, p.capLen, p.linkType, p.iface, p.data[39]])).toEqual([
      [1_700_000_123, 456_789_012, 1000, 40, 101, 1, 9],
    ]);
    expect(tshark(path)).toEqual(['1700000123.456789012\t1000\t40\t1']);
  });

  it('unknown and custom blocks are skipped by length, also when larger than the read buffer', async () => {
    const w = new CaptureWriter({ format: 'pcapng', linkType: 1 });
    const sample = samplePackets(30, 5);
    sample.forEach((p, i) => {
      w.packet(p.tsSec, p.tsNsec, p.data, p.origLen);
      if (i % 10 === 0) w.extraBlock(0x00000bad, new Uint8Array(5 + i * 1000).fill(0xee));
      if (i === 15) w.extraBlock(0x40000bad, new Uint8Array(200_000).fill(0xdd));
    });
    const path = join(dir.path, 'custom.pcapng');
    writeFileSync(path, w.toBuffer());
    for (const chunkBytes of [64 * 1024, 4096]) {
      const got = await readAll(openFileSource([path], { chunkBytes }));
      expect(got.map((p) => [p.tsSec, p.tsNsec, p.origLen])).toEqual(sample.map((p) => [p.tsSec, Math.floor(p.tsNsec / 1000) * 1000, p.origLen]));
    }
    expect(capinfos(path).packets).toBe(30);
  });

  it('read-ahead: every byte arrives in order whatever the chunk size, record size and input (file or trickling stream)', async () => {
    // records from 14 bytes to 60 KB: some tails fit in front of the read-ahead chunk, some do not
    const sample = [...samplePackets(300, 11, { maxLen: 1514 }), ...samplePackets(40, 12, { maxLen: 60_000 }), ...samplePackets(300, 13, { maxLen: 200 })];
    for (const format of ['pcap', 'pcapng'] as const) {
      const w = new CaptureWriter({ format, linkType: 1, nanosecond: true });
      for (const p of sample) w.packet(p.tsSec, p.tsNsec, p.data, p.origLen);
      const bytes = w.toBuffer();
      const path = join(dir.path, `readahead.${format}`);
      writeFileSync(path, bytes);
      const expected = sample.map((p) => `${p.tsSec}.${p.tsNsec} ${p.origLen} ${Buffer.from(p.data).toString('base64')}`);
      const seen = (got: ReadPacket[]): string[] => got.map((p) => `${p.tsSec}.${p.tsNsec} ${p.origLen} ${Buffer.from(p.data).toString('base64')}`);
      for (const chunkBytes of [1024, 4096, 64 * 1024, 2 * 1024 * 1024]) {
        expect(seen(await readAll(openFileSource([path], { chunkBytes }))), `${format} file, chunk ${chunkBytes}`).toEqual(expected);
        const pieces: Uint8Array[] = [];
        for (let off = 0, k = 0; off < bytes.length; k++) {
          const len = [1, 7, 100, 5000, 70_000][k % 5]!;
          pieces.push(bytes.subarray(off, off + len));
          off += len;
        }
        expect(seen(await readAll(openStreamSource(Readable.from(pieces), { chunkBytes }))), `${format} stream, chunk ${chunkBytes}`).toEqual(expected);
      }
    }
  });

  it('read-ahead: a corrupt record far into the file is reported at its exact byte offset', async () => {
    const sample = samplePackets(2_000, 14, { maxLen: 1514 });
    const w = new CaptureWriter({ format: 'pcap', linkType: 1 });
    for (const p of sample) w.packet(p.tsSec, p.tsNsec, p.data, p.origLen);
    const bytes = Uint8Array.from(w.toBuffer());
    const bad = 1_500;
    let offset = 24;
    for (let i = 0; i < bad; i++) offset += 16 + sample[i]!.data.length;
    new DataView(bytes.buffer).setUint32(offset + 8, 0x7fffffff, true);
    const path = join(dir.path, 'readahead-corrupt.pcap');
    writeFileSync(path, bytes);
    for (const chunkBytes of [4096, 64 * 1024]) {
      let delivered = 0;
      const err = await openFileSource([path], { chunkBytes }).run(() => { delivered++; }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CaptureFileError);
      expect((err as CaptureFileError).offset, `chunk ${chunkBytes}`).toBe(offset);
      expect(delivered).toBe(bad);
    }
  });

  it('several sections, the second big-endian with other interfaces: interfaces restart per section', async () => {
    const a = samplePackets(40, 6, { interfaces: 2 });
    const b = samplePackets(40, 7, { interfaces: 3 });
    const wa = new CaptureWriter({ format: 'pcapng', linkType: 1, interfaces: [{ linkType: 1 }, { linkType: 113, tsresol: 9 }] });
    const wb = new CaptureWriter({ format: 'pcapng', linkType: 1, bigEndian: true, interfaces: [{ linkType: 101, tsresol: 9 }, { linkType: 0 }, { linkType: 1 }] });
    for (const p of a) wa.packet(p.tsSec, p.tsNsec, p.data, p.origLen, p.iface);
    for (const p of b) wb.packet(p.tsSec, p.tsNsec, p.data, p.origLen, p.iface);
    const path = join(dir.path, 'sections.pcapng');
    writeFileSync(path, Buffer.concat([wa.toBuffer(), wb.toBuffer()]));
    const got = await readAll(openFileSource([path]));
    const want = [
      ...a.map((p) => expected(p, [1, 113][p.iface]!, 262144, [6, 9][p.iface]!)),
      ...b.map((p) => expected(p, [101, 0, 1][p.iface]!, 262144, [9, 6, 6][p.iface]!)),
    ];
    expect(got).toEqual(want);
    expect(capinfos(path)).toEqual({ packets: 80, bytes: sumOrig(got) });
  });
});

describe('inputs', () => {
  const packets = samplePackets(200, 8);
  const pcap = (): string => write('in.pcap', { format: 'pcap', linkType: 1, nanosecond: true }, packets);
  const pcapng = (): string => write('in.pcapng', { format: 'pcapng', linkType: 1, nanosecond: true }, packets);

  it('several files in a row, formats detected by content whatever the extension', async () => {
    const a = pcap();
    const b = pcapng();
    const misnamed = join(dir.path, 'really-pcapng.pcap');
    writeFileSync(misnamed, new CaptureWriter({ format: 'pcapng', linkType: 1 }).toBuffer());
    const got = await readAll(openFileSource([a, misnamed, b]));
    expect(got).toHaveLength(400);
    expect(got.slice(200)).toEqual(got.slice(0, 200));
    expect(got.slice(0, 200)).toEqual(packets.map((p) => expected(p, 1, 262144, 9)));
  });

  it('a big file streams through a small read buffer record by record', async () => {
    const got = await readAll(openFileSource([pcapng()], { chunkBytes: 1024 }));
    expect(got).toEqual(packets.map((p) => expected(p, 1, 262144, 9)));
  });

  it('a stream (stdin) delivered in odd-sized pieces', async () => {
    const bytes = new CaptureWriter({ format: 'pcap', linkType: 1, nanosecond: true });
    for (const p of packets) bytes.packet(p.tsSec, p.tsNsec, p.data, p.origLen);
    const all = bytes.toBuffer();
    const pieces: Buffer[] = [];
    for (let off = 0, k = 1; off < all.length; k++) {
      const n = (k * 37) % 1000 + 1;
      pieces.push(all.subarray(off, off + n));
      off += n;
    }
    const got = await readAll(openStreamSource(Readable.from(pieces)));
    expect(got).toEqual(packets.map((p) => expected(p, 1, 262144, 9)));
  });

  it('`-` reads stdin of a child process, next to a file', () => {
    const script = join(dir.path, 'read-stdin.mts');
    const index = join(import.meta.dirname, '../../capture/io/index.ts');
    writeFileSync(
      script,
      `import { openFileSource } from ${JSON.stringify(index)};\n` +
        `let n = 0, bytes = 0;\n` +
        `await openFileSource(['-', process.argv[2]]).run((p) => { n++; bytes += p.origLen; });\n` +
        `console.log(JSON.stringify({ n, bytes }));\n`,
    );
    const file = pcap();
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, file], {
      input: execFileSync('cat', [pcapng()]),
      encoding: 'utf8',
      cwd: join(import.meta.dirname, '../..'),
    });
    const sum = packets.reduce((s, p) => s + p.origLen, 0);
    expect(JSON.parse(out)).toEqual({ n: 400, bytes: 2 * sum });
  });
});
