// spanwatch's capture totals equal tshark's: on generated captures of every link type and file
// format the decoder reads, and on the real captures in ../shared/captures when that folder exists.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureWriter, captureTotals, type CaptureWriterOptions } from '../../capture/index.ts';
import { LINKTYPE, TCP, sampleTraffic, tcpFrame, type TimedFrame } from '../../datasets/index.ts';
import { compareTotals, tsharkTotals } from '../../scripts/conformanceCheck.ts';

const dir = mkdtempSync(join(tmpdir(), 'spanwatch-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, opts: CaptureWriterOptions, frames: Array<TimedFrame & { iface?: number }>): string {
  const w = new CaptureWriter(opts);
  for (const f of frames) w.packet(f.tsSec, f.tsNsec, f.frame, f.frame.length, f.iface ?? 0);
  const path = join(dir, name);
  writeFileSync(path, w.toBuffer());
  return path;
}

function generatedCaptures(): Array<{ name: string; path: string }> {
  const eth = LINKTYPE.ETHERNET;
  const list: Array<[string, CaptureWriterOptions, TimedFrame[]]> = [
    ['ethernet-us-le.pcap', { format: 'pcap', linkType: eth }, sampleTraffic()],
    ['ethernet-us-be.pcap', { format: 'pcap', linkType: eth, bigEndian: true }, sampleTraffic()],
    ['vlan-ns-le.pcap', { format: 'pcap', linkType: eth, nanosecond: true }, sampleTraffic({ vlan: [100] })],
    ['qinq-ns-be.pcap', { format: 'pcap', linkType: eth, nanosecond: true, bigEndian: true }, sampleTraffic({ vlan: [10, 200] })],
    ['sll.pcap', { format: 'pcap', linkType: LINKTYPE.LINUX_SLL }, sampleTraffic({ linkType: LINKTYPE.LINUX_SLL })],
    ['sll2.pcap', { format: 'pcap', linkType: LINKTYPE.LINUX_SLL2, nanosecond: true }, sampleTraffic({ linkType: LINKTYPE.LINUX_SLL2 })],
    ['raw.pcap', { format: 'pcap', linkType: LINKTYPE.RAW }, sampleTraffic({ linkType: LINKTYPE.RAW })],
    ['ipv4.pcap', { format: 'pcap', linkType: LINKTYPE.IPV4 }, sampleTraffic({ linkType: LINKTYPE.IPV4 })],
    ['ipv6.pcap', { format: 'pcap', linkType: LINKTYPE.IPV6 }, sampleTraffic({ linkType: LINKTYPE.IPV6 })],
    ['null.pcap', { format: 'pcap', linkType: LINKTYPE.NULL }, sampleTraffic({ linkType: LINKTYPE.NULL })],
    ['ethernet.pcapng', { format: 'pcapng', linkType: eth }, sampleTraffic()],
  ];
  const out = list.map(([name, opts, frames]) => ({ name, path: write(name, opts, frames) }));
  // more conversations than the flow table starts with, each seen again after all the others
  // opened: the table must grow rather than evict, or the second packets would count new flows
  const conversations = 100_000;
  const many: TimedFrame[] = [];
  for (const [flags, from] of [[TCP.SYN, 0], [TCP.SYN | TCP.ACK, conversations]] as const) {
    for (let c = 0; c < conversations; c++) {
      const ends = { a: `10.${c >> 16}.${(c >> 8) & 255}.${c & 255}`, b: '198.51.100.80', port: 1024 + (c % 60_000) };
      const frame = flags === TCP.SYN
        ? tcpFrame({ src: ends.a, dst: ends.b, sport: ends.port, dport: 443, flags, seq: 1 })
        : tcpFrame({ src: ends.b, dst: ends.a, sport: 443, dport: ends.port, flags, seq: 7, ack: 2 });
      const n = from + c;
      many.push({ tsSec: 1_700_000_000 + Math.floor(n / 100_000), tsNsec: (n % 100_000) * 10_000, frame });
    }
  }
  out.push({ name: 'many-flows.pcap', path: write('many-flows.pcap', { format: 'pcap', linkType: eth }, many) });
  // one pcapng with three interfaces of different link types and timestamp resolutions, interleaved
  const ifaces = [LINKTYPE.ETHERNET, LINKTYPE.LINUX_SLL, LINKTYPE.RAW];
  const mixed = ifaces.flatMap((linkType, iface) =>
    sampleTraffic({ linkType, startSec: 1_700_000_000 + iface }).map((f) => ({ ...f, iface })));
  mixed.sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec);
  out.push({
    name: 'multi-interface.pcapng',
    path: write('multi-interface.pcapng', {
      format: 'pcapng', linkType: eth,
      interfaces: [{ linkType: ifaces[0]! }, { linkType: ifaces[1]!, tsresol: 9 }, { linkType: ifaces[2]!, tsresol: 3 }],
    }, mixed),
  });
  return out;
}

async function expectEqualToTshark(path: string): Promise<void> {
  const [ours, ref] = await Promise.all([captureTotals([path]), tsharkTotals(path)]);
  expect(ours.damaged).toEqual([]);
  expect(ref.packets).toBeGreaterThan(0);
  const mismatches = compareTotals(ours, ref).filter((c) => !c.equal);
  expect(mismatches, `${path}: ${JSON.stringify(mismatches)}`).toEqual([]);
}

describe.concurrent('capture totals equal tshark on generated captures', () => {
  for (const { name, path } of generatedCaptures()) {
    it(name, async () => {
      await expectEqualToTshark(path);
    });
  }

  it('counts the truncated frame as a decode error and the rest as decoded', async () => {
    const t = await captureTotals([join(dir, 'ethernet-us-le.pcap')]);
    expect(t.decodeErrors).toBe(1);
    expect(t.directions.internal.packets).toBeGreaterThan(0);
    expect(t.directions.outbound.packets).toBeGreaterThan(0);
    expect(t.directions.inbound.packets).toBeGreaterThan(0);
  });
});

describe('npm run conformance -- DIR', () => {
  it('finds captures by content, reports a damaged file both tools read alike, and ignores other files', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    const whole = readFileSync(join(dir, 'ethernet-us-le.pcap'));
    writeFileSync(join(folder, 'capture.dat'), whole);
    writeFileSync(join(folder, 'cut.pcap'), whole.subarray(0, whole.length - 7));
    writeFileSync(join(folder, 'README'), 'not a capture\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'scripts', 'conformance.ts'), folder]);
    expect(stdout).toMatch(/\| capture\.dat +\|.*\| ok +\|/);
    expect(stdout).toMatch(/\| cut\.pcap +\|.*\| ok \(damaged: both stop at the same packet\) \|/);
    expect(stdout).not.toContain('README');
    expect(stdout).toContain('2 of 2 captures equal to tshark');
  });
});

const SHARED = join(import.meta.dirname, '..', '..', '..', 'shared', 'captures');

function sharedCaptures(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(pcap|pcapng)$/.test(n)) out.push(p);
    }
  };
  walk(SHARED);
  return out;
}

describe.concurrent('capture totals equal tshark on ../shared/captures', () => {
  if (!existsSync(SHARED)) {
    it('is skipped: ../shared/captures is absent (real third-party captures are not part of the project)', () => {
      expect(existsSync(SHARED)).toBe(false);
    });
    return;
  }
  for (const path of sharedCaptures()) {
    it(path.slice(SHARED.length + 1), async () => {
      await expectEqualToTshark(path);
    });
  }
});
