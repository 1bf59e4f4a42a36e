// `spanwatch serve --sensor` stopped with Ctrl-C (SIGINT), as the demo is: it says what it stopped
// — the replay, the server, its embedded influxd — and where influxd's data stays, and influxd is
// really gone. The working folder has a space in its path, as a newcomer's checkout may.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileWriter } from '../../capture/index.ts';
import { sampleTraffic } from '../../datasets/index.ts';

const SPANWATCH = join(import.meta.dirname, '..', '..', 'bin', 'spanwatch');
const root = mkdtempSync(join(tmpdir(), 'spanwatch-shutdown-'));
const varDir = join(root, 'var with space');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('serve --sensor stopped with SIGINT', () => {
  it('names the replay, the server and influxd it stopped, and where the data stays', async () => {
    // ten minutes of traffic replayed in real time: still replaying when it is stopped
    const capture = join(root, 'ten minutes.pcap');
    const w = new CaptureFileWriter(capture, { format: 'pcap', linkType: 1 });
    for (let k = 0; k < 120; k++) for (const f of sampleTraffic({ startSec: 1_700_000_000 + 5 * k })) w.packet(f.tsSec, f.tsNsec, f.frame);
    await w.close();

    const child = spawn(SPANWATCH, ['serve', '--var', varDir, '--port', '0', '--sensor', '--sensor-name', 'shutdown', '--model', 'none', '--speed', '1', '--pcap', capture], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (c: Buffer) => { log += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { log += c.toString(); });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    for (let waited = 0; !log.includes('listening on') && waited < 60_000 && child.exitCode === null; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(log).toContain('listening on');
    const influxdPid = (JSON.parse(readFileSync(join(varDir, 'influxdb', 'embedded.json'), 'utf8')) as { pid: number }).pid;
    expect(alive(influxdPid)).toBe(true);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const lines = log.trimEnd().split('\n').filter((l) => l.startsWith('spanwatch serve: ') && !l.includes('listening on'));
    expect(lines).toEqual([
      'spanwatch serve: interrupted: stopping',
      `spanwatch serve: stopped the replay of ${capture}`,
      expect.stringMatching(/^spanwatch serve: stopped the server on http:\/\/127\.0\.0\.1:\d+$/),
      `spanwatch serve: stopped influxd (pid ${influxdPid}); its data stays in ${join(varDir, 'influxdb')}`,
    ]);
    expect(alive(influxdPid)).toBe(false);
    expect(existsSync(join(varDir, 'influxdb', 'data'))).toBe(true);
  });
});
