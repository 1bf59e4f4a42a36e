// The frame builders write what tshark accepts: correct checksums and lengths, nothing malformed
// except the one frame sampleTraffic cuts on purpose.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureWriter } from '../../capture/index.ts';
import { sampleTraffic } from '../../datasets/index.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'spanwatch-craft-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('frame builders', () => {
  it('tshark finds every checksum good and only the deliberately cut frame malformed', async () => {
    const w = new CaptureWriter({ format: 'pcap', linkType: 1 });
    const frames = sampleTraffic({ vlan: [5] });
    for (const f of frames) w.packet(f.tsSec, f.tsNsec, f.frame);
    const path = join(dir, 'craft.pcap');
    writeFileSync(path, w.toBuffer());
    const { stdout } = await run('tshark', [
      '-n', '-r', path, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
      '-T', 'fields', '-e', 'frame.number', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status', '-e', 'udp.checksum.status',
      '-e', 'icmp.checksum.status', '-e', 'icmpv6.checksum.status', '-e', '_ws.malformed', '-e', '_ws.expert.severity',
    ]);
    const rows = stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.length).toBe(frames.length);
    // checksum status: 0 bad, 1 good, 2 not verified
    const statuses = rows.flatMap((r) => r.slice(1, 6).flatMap((s) => s.split(',')).filter((s) => s !== ''));
    expect(statuses.filter((s) => s === '1').length).toBeGreaterThan(frames.length);
    expect(statuses.filter((s) => s === '0')).toEqual([]);
    const malformed = rows.filter((r) => r[6] !== '');
    expect(malformed.map((r) => Number(r[0]))).toEqual([frames.length]);
  });
});
