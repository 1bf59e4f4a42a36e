// Our pcap reader against pcap-parser, an independent implementation, record by record.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureWriter, openFileSource } from '../../capture/index.ts';
import { readAll, samplePackets, tempDir } from './capture-io-samples.ts';

interface ParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}

const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as { parse(path: string): NodeJS.EventEmitter };

function parseWithPcapParser(path: string): Promise<{ linkType: number; rows: string[] }> {
  return new Promise((resolve, reject) => {
    const rows: string[] = [];
    let linkType = -1;
    const parser = pcapParser.parse(path);
    parser.on('globalHeader', (h: { linkLayerType: number }) => {
      linkType = h.linkLayerType;
    });
    parser.on('packet', (p: ParserPacket) => {
      const h = p.header;
      rows.push(`${h.timestampSeconds}.${h.timestampMicroseconds} ${h.capturedLength} ${h.originalLength} ${p.data.toString('hex')}`);
    });
    parser.on('error', reject);
    parser.on('end', () => resolve({ linkType, rows }));
  });
}

const dir = tempDir('capture-io-diff');
afterAll(() => dir.remove());

describe('differential: our reader vs pcap-parser on classic µs pcaps', () => {
  for (const bigEndian of [false, true]) {
    it(`${bigEndian ? 'big' : 'little'}-endian, 3000 random packets incl. snaplen-cut ones`, async () => {
      const w = new CaptureWriter({ format: 'pcap', linkType: 1, bigEndian, snaplen: 1200 });
      const packets = samplePackets(3000, bigEndian ? 11 : 12, { maxLen: 1600 });
      for (const p of packets) w.packet(p.tsSec, p.tsNsec, p.data, p.origLen);
      const path = join(dir.path, `diff-${bigEndian}.pcap`);
      writeFileSync(path, w.toBuffer());

      const ours = await readAll(openFileSource([path], { chunkBytes: 64 * 1024 }));
      const theirs = await parseWithPcapParser(path);
      const oursRows = ours.map(
        (p) => `${p.tsSec}.${p.tsNsec / 1000} ${p.capLen} ${p.origLen} ${Buffer.from(p.data).toString('hex')}`,
      );
      expect(theirs.rows).toHaveLength(3000);
      expect(oursRows).toEqual(theirs.rows);
      expect(ours.every((p) => p.linkType === theirs.linkType)).toBe(true);
      expect(ours.filter((p) => p.capLen < p.origLen).length).toBeGreaterThan(100);
    });
  }
});

const SHARED = join(import.meta.dirname, '../../../shared/captures');
const shared = existsSync(SHARED)
  ? ['benign', 'attack'].flatMap((d) => readdirSync(join(SHARED, d)).map((f) => join(SHARED, d, f)))
  : [];

describe(`real third-party captures${shared.length === 0 ? ' (skipped: ../shared/captures is absent)' : ''}`, () => {
  it.skipIf(shared.length === 0)('classic µs pcaps: record by record equal to pcap-parser', async () => {
    const classic = shared.filter((f) => f.endsWith('.pcap'));
    expect(classic.length).toBeGreaterThan(0);
    for (const path of classic) {
      const ours = await readAll(openFileSource([path]));
      const theirs = await parseWithPcapParser(path);
      const oursRows = ours.map(
        (p) => `${p.tsSec}.${p.tsNsec / 1000} ${p.capLen} ${p.origLen} ${Buffer.from(p.data).toString('hex')}`,
      );
      expect(oursRows, path).toEqual(theirs.rows);
    }
  });

  it.skipIf(shared.length === 0)('every capture (pcap and pcapng): packets and wire bytes equal capinfos', async () => {
    const out = execFileSync('capinfos', ['-T', '-M', '-c', '-d', '-r', ...shared], { encoding: 'utf8' }).trim().split('\n');
    for (const [i, path] of shared.entries()) {
      const [, packets, bytes] = out[i]!.split('\t');
      let n = 0;
      let sum = 0;
      await openFileSource([path]).run((p) => {
        n++;
        sum += p.origLen;
      });
      expect({ path, n, sum }).toEqual({ path, n: Number(packets), sum: Number(bytes) });
    }
  });

  it.skipIf(shared.length === 0)('pcapng captures: every frame time (to the ns) and length equal to tshark', async () => {
    const pcapng = shared.filter((f) => f.endsWith('.pcapng'));
    expect(pcapng.length).toBeGreaterThan(0);
    for (const path of pcapng) {
      const theirs = execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const ours = (await readAll(openFileSource([path]))).map((p) => `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}\t${p.origLen}\t${p.capLen}\n`);
      expect(ours.join(''), path).toBe(theirs);
    }
  });
});
