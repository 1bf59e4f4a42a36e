// `spanwatch sensor --jsonl -` and `spanwatch stats --json` on a generated capture: their totals equal
// tshark's; a damaged file is reported with exit status 1 and the packets before the damage count;
// SIGTERM flushes the open windows and exits 0.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureWriter, DIRECTIONS, type WindowStats } from '../../capture/index.ts';
import { sampleTraffic } from '../../datasets/index.ts';
import { compareTotals, tsharkTotals } from '../../scripts/conformanceCheck.ts';

const run = promisify(execFile);
const SPANWATCH = join(import.meta.dirname, '..', '..', 'bin', 'spanwatch');
const dir = mkdtempSync(join(tmpdir(), 'spanwatch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function captureBytes(): Buffer {
  const w = new CaptureWriter({ format: 'pcapng', linkType: 1 });
  for (let k = 0; k < 5; k++) {
    for (const f of sampleTraffic({ startSec: 1_700_000_000 + 5 * k })) w.packet(f.tsSec, f.tsNsec, f.frame);
  }
  return w.toBuffer();
}

const capture = join(dir, 'mix.pcapng');
const bytes = captureBytes();
writeFileSync(capture, bytes);

function windowsOf(stdout: string): WindowStats[] {
  return stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; data: WindowStats })
    .filter((r) => r.type === 'window').map((r) => r.data);
}

describe('spanwatch sensor and stats against tshark', () => {
  it('stats --json equals tshark', async () => {
    const [{ stdout }, ref] = await Promise.all([run(SPANWATCH, ['stats', '--json', capture]), tsharkTotals(capture)]);
    const ours = JSON.parse(stdout);
    expect(compareTotals(ours, ref).filter((c) => !c.equal)).toEqual([]);
    expect(ours.damaged).toEqual([]);
  });

  it('stats on input that cannot be read (not a capture, missing): the error only, no totals, exit 1', async () => {
    const missing = join(dir, 'no such file.pcap');
    for (const [file, error] of [['/etc/passwd', '/etc/passwd: not a capture file'], [missing, `${missing}: cannot open: ENOENT`]] as const) {
      for (const json of [[], ['--json']]) {
        const result = await run(SPANWATCH, ['stats', ...json, file]).then(
          (r) => ({ code: 0, ...r }),
          (err: { code: number; stdout: string; stderr: string }) => err,
        );
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(result.stderr.trim().startsWith(`spanwatch stats: ${error}`)).toBe(true);
      }
    }
  });

  it('stats on several files of which some cannot be read: totals of the files read, the others named, exit 1', async () => {
    const missing = join(dir, 'gone.pcap');
    const ref = await tsharkTotals(capture);
    const table = await run(SPANWATCH, ['stats', capture, missing, '/etc/passwd']).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(new RegExp(`^files read +${capture}$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^not read +${missing}, /etc/passwd$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^packets +${ref.packets}$`, 'm'));
    expect(table.stderr).toContain(`${missing}: cannot open`);
    expect(table.stderr).toContain('/etc/passwd: not a capture file');
    const json = await run(SPANWATCH, ['stats', '--json', missing, capture]).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(json.code).toBe(1);
    const totals = JSON.parse(json.stdout) as { packets: number; filesRead: string[]; filesNotRead: string[] };
    expect(totals).toMatchObject({ packets: ref.packets, filesRead: [capture], filesNotRead: [missing] });
  });

  it('sensor --jsonl -: the windows add up to tshark\'s packets, bytes and conversations', async () => {
    const [{ stdout }, ref] = await Promise.all([
      run(SPANWATCH, ['sensor', '--no-store', '--pcap', capture, '--jsonl', '-', '--sensor', 'cli-test', '--window', '10s'], { maxBuffer: 1 << 26 }),
      tsharkTotals(capture),
    ]);
    const windows = windowsOf(stdout);
    // 5 bursts 5 s apart (no flow idles past its timeout), about 25 s in all: three 10 s windows
    expect(windows.length).toBe(3);
    expect(windows.every((w) => w.sensor === 'cli-test' && w.durationMs === 10_000)).toBe(true);
    const sum = (f: (w: WindowStats) => number): number => windows.reduce((s, w) => s + f(w), 0);
    expect(sum((w) => w.health.packetsSeen)).toBe(ref.packets);
    expect(sum((w) => DIRECTIONS.reduce((s, d) => s + w.directions[d].bytes, 0))).toBe(ref.bytes);
    const l4Starts = sum((w) => w.flowStarts.filter((f) => f.proto === 'tcp' || f.proto === 'udp').length);
    expect(l4Starts).toBe(ref.tcpConversations + ref.udpConversations);
  });

  it('a damaged file: reported, exit status 1, packets before the damage still counted', async () => {
    const cut = join(dir, 'cut.pcapng');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const result = await run(SPANWATCH, ['sensor', '--no-store', '--jsonl', '-', cut, capture], { maxBuffer: 1 << 26 }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cut.pcapng');
    const seen = windowsOf(result.stdout).reduce((s, w) => s + w.health.packetsSeen, 0);
    const whole = (await tsharkTotals(capture)).packets;
    expect(seen).toBeGreaterThan(whole);
    expect(seen).toBeLessThan(2 * whole);
  });

  it('live-only flags with a file are refused with what to do instead (exit 2)', async () => {
    for (const flag of [['--bpf', 'udp'], ['--snaplen', '96'], ['--buffer', '8MB'], ['--no-promiscuous']]) {
      const result = await run(SPANWATCH, ['sensor', '--no-store', '--jsonl', '-', ...flag, capture]).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${flag[0]} applies to live capture (--interface); to filter a file, pipe it through tcpdump`);
    }
  });

  it('a live capture that cannot start: one plain message naming the interface, exit 1, no stack trace', async () => {
    const result = await run(SPANWATCH, ['sensor', '--no-store', '--jsonl', '-', '--interface', 'lo', '--bpf', 'not a filter']).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(result.code).toBe(1);
    // without root the capture cannot open at all, which is the message then
    const why = process.getuid?.() === 0
      ? "invalid BPF filter 'not a filter' for lo:"
      : 'cannot capture on lo: permission denied — run as root or grant CAP_NET_RAW';
    expect(result.stderr).toContain(`spanwatch: sensor: --interface lo: ${why}`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('SIGTERM while reading stdin: the open windows are written and the exit status is 0', async () => {
    const child = spawn(SPANWATCH, ['sensor', '--no-store', '--pcap', '-', '--jsonl', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stdin.write(bytes);
    // wait until the sensor has read into the last second of the capture: window 21 s closes only
    // when a packet of second 23 (the last) has been read; windows 22 and 23 are still open
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (stdout.includes(`"start":${1_700_000_021_000},`)) resolve();
        else setTimeout(check, 50);
      };
      check();
    });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const windows = windowsOf(stdout);
    expect(windows[windows.length - 1]!.start).toBe(1_700_000_023_000);
    expect(windows.reduce((s, w) => s + w.health.packetsSeen, 0)).toBe((await tsharkTotals(capture)).packets);
  });
});
