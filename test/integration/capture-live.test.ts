// Live capture through libpcap on a veth pair this test creates: tcpreplay sends a capture our
// writer made into one end, the live source on the other end must see every packet and byte.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureWriter, listInterfaces, openLiveSource } from '../../capture/index.ts';
import { bundleForNobody } from '../helpers/unprivileged.ts';
import { prng, tempDir } from '../unit/capture-io-samples.ts';
import { withoutRoot } from '../helpers/privileges.ts';

const pair = `swt${randomBytes(3).toString('hex')}`;
const sendEnd = `${pair}a`;
const captureEnd = `${pair}b`;
let dir: ReturnType<typeof tempDir>;
const PACKETS = 3000;
/** locally administered source MAC unique to this run, so the BPF filter selects only the replay */
const srcMac = [0x02, 0x53, 0x57, ...randomBytes(3)];
const srcMacText = srcMac.map((b) => b.toString(16).padStart(2, '0')).join(':');

/**
 * With segmentation/receive offloads on, libpcap sizes every ring slot for 64 KiB packets, so even a
 * 64 MiB buffer holds only ~1000 packets and a top-speed burst overflows it. Capture setups turn the
 * offloads off (ethtool -K); without ethtool the replay is paced instead.
 */
const hasEthtool = execFileSync('sh', ['-c', 'command -v ethtool || true'], { encoding: 'utf8' }).trim() !== '';
const replaySpeed = hasEthtool ? ['--topspeed'] : ['--pps', '20000'];

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

interface Replay {
  path: string;
  frames: Uint8Array[];
}

/** Ethernet + IPv4/UDP-shaped frames, 60 … 1514 bytes, all from srcMac. */
function buildReplay(): Replay {
  const rnd = prng(77);
  const w = new CaptureWriter({ format: 'pcap', linkType: 1 });
  const frames: Uint8Array[] = [];
  for (let i = 0; i < PACKETS; i++) {
    const len = 60 + Math.floor(rnd() * (1514 - 59));
    const f = new Uint8Array(len);
    f.set([0x02, 0x53, 0x57, 0xff, 0xff, 0x01], 0);
    f.set(srcMac, 6);
    f.set([0x08, 0x00, 0x45, 0x00, (len - 14) >> 8, (len - 14) & 0xff], 12);
    for (let j = 20; j < len; j++) f[j] = (i + j) & 0xff;
    frames.push(f);
    w.packet(1_700_000_000 + Math.floor(i / 1000), (i % 1000) * 1_000_000, f);
  }
  const path = join(dir.path, 'replay.pcap');
  writeFileSync(path, w.toBuffer());
  return { path, frames };
}

beforeAll(() => {
  dir = tempDir('capture-live');
  sh('ip', ['link', 'add', sendEnd, 'type', 'veth', 'peer', 'name', captureEnd]);
  for (const end of [sendEnd, captureEnd]) {
    sh('sysctl', ['-q', '-w', `net.ipv6.conf.${end}.disable_ipv6=1`]);
    sh('ip', ['link', 'set', end, 'up']);
  }
  if (hasEthtool) sh('ethtool', ['-K', captureEnd, 'tso', 'off', 'gso', 'off', 'gro', 'off']);
  else console.warn('ethtool is not installed (scripts/setup.sh installs it): replaying at 20 kpps instead of top speed');
});

afterAll(() => {
  try {
    sh('ip', ['link', 'del', sendEnd]);
  } finally {
    dir.remove();
  }
});

describe.skipIf(withoutRoot('live capture on a veth pair it creates'))('live capture on a veth pair', () => {
  it('replayed at top speed: sees every replayed packet with its wire length and bytes; drop counters are reported', async () => {
    expect(listInterfaces()).toEqual(expect.arrayContaining([sendEnd, captureEnd]));
    const replay = buildReplay();
    const source = openLiveSource({ iface: captureEnd, bpf: `ether src ${srcMacText}` });
    expect(source.live).toBe(true);
    expect(source.name).toBe(captureEnd);
    let count = 0;
    let bytes = 0;
    let mismatched = 0;
    const linkTypes = new Set<number>();
    let replayStartNs = 0n;
    let badTime = 0;
    let prevNs = 0n;
    const running = source.run((p) => {
      const sent = replay.frames[count];
      if (sent === undefined || p.capLen !== sent.length || Buffer.compare(Buffer.from(p.data), Buffer.from(sent)) !== 0) mismatched++;
      // the kernel's capture time: within the replay, in order, nanoseconds in range
      const ns = BigInt(p.tsSec) * 1_000_000_000n + BigInt(p.tsNsec);
      if (ns < replayStartNs || ns < prevNs || p.tsNsec < 0 || p.tsNsec >= 1e9) badTime++;
      prevNs = ns;
      linkTypes.add(p.linkType);
      count++;
      bytes += p.origLen;
    });
    await new Promise((r) => setTimeout(r, 300));
    replayStartNs = BigInt(Date.now() - 1) * 1_000_000n;
    const out = execFileSync('tcpreplay', ['-i', sendEnd, ...replaySpeed, replay.path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const replayEndNs = BigInt(Date.now() + 1) * 1_000_000n;
    expect(out).toMatch(new RegExp(`Successful packets:\\s+${PACKETS}`));
    for (let waited = 0; count < PACKETS && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    const counters = source.counters();
    source.stop();
    await running;

    expect(count).toBe(PACKETS);
    expect(bytes).toBe(replay.frames.reduce((s, f) => s + f.length, 0));
    expect(mismatched).toBe(0);
    expect(badTime).toBe(0);
    expect(prevNs).toBeLessThanOrEqual(replayEndNs);
    expect([...linkTypes]).toEqual([1]);
    expect(counters.packetsDropped).toBe(0);
    expect(Number.isInteger(counters.packetsIfDropped)).toBe(true);
  });

  it('a ring too small for a burst: the kernel drop counter accounts for every packet not delivered', async () => {
    const replay = buildReplay();
    // 1 MiB holds a few hundred MTU-sized slots; the synchronous replay below keeps the event loop
    // from draining the ring until the whole burst has arrived, so most of it must be dropped.
    const source = openLiveSource({ iface: captureEnd, bpf: `ether src ${srcMacText}`, bufferBytes: 1024 * 1024 });
    let count = 0;
    const running = source.run(() => {
      count++;
    });
    await new Promise((r) => setTimeout(r, 300));
    execFileSync('tcpreplay', ['-i', sendEnd, '--topspeed', replay.path], { stdio: 'ignore' });
    let dropped = 0;
    for (let waited = 0; count + dropped < PACKETS && waited < 10_000; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
      dropped = source.counters().packetsDropped;
    }
    source.stop();
    await running;
    expect(dropped).toBeGreaterThan(0);
    expect(count + dropped).toBe(PACKETS);
    expect(source.counters().packetsDropped).toBe(dropped);
  });

  it('snaplen keeps the head of each packet and the wire length', async () => {
    const replay = buildReplay();
    const source = openLiveSource({ iface: captureEnd, bpf: `ether src ${srcMacText}`, snaplen: 96, bufferBytes: 8 * 1024 * 1024 });
    let count = 0;
    let wrong = 0;
    const running = source.run((p) => {
      const sent = replay.frames[count++];
      if (sent === undefined || p.origLen !== sent.length || p.capLen !== Math.min(96, sent.length) || p.data.length !== p.capLen) wrong++;
    });
    await new Promise((r) => setTimeout(r, 300));
    execFileSync('tcpreplay', ['-i', sendEnd, ...replaySpeed, replay.path], { stdio: 'ignore' });
    for (let waited = 0; count < PACKETS && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    source.stop();
    await running;
    expect(count).toBe(PACKETS);
    expect(wrong).toBe(0);
  });

  it('promiscuous mode is what was asked for, and the interface leaves it when the capture stops', async () => {
    const IFF_PROMISC = 0x100;
    const promisc = (): boolean => (Number(readFileSync(`/sys/class/net/${captureEnd}/flags`, 'utf8')) & IFF_PROMISC) !== 0;
    for (const promiscuous of [true, false]) {
      const source = openLiveSource({ iface: captureEnd, bpf: `ether src ${srcMacText}`, promiscuous });
      const running = source.run(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      expect(promisc()).toBe(promiscuous);
      source.stop();
      await running;
      expect(promisc()).toBe(false);
    }
  });

  it('a callback that throws ends the capture and run() rejects with its error', async () => {
    const replay = buildReplay();
    const source = openLiveSource({ iface: captureEnd, bpf: `ether src ${srcMacText}` });
    let calls = 0;
    const running = source.run(() => {
      calls++;
      throw new Error('consumer failed');
    });
    await new Promise((r) => setTimeout(r, 300));
    execFileSync('tcpreplay', ['-i', sendEnd, ...replaySpeed, replay.path], { stdio: 'ignore' });
    await expect(running).rejects.toThrow('consumer failed');
    expect(calls).toBe(1);
  });

  it('an interface that disappears during the capture: run() rejects, naming the interface and why', async () => {
    const gone = `swg${randomBytes(3).toString('hex')}`;
    sh('ip', ['link', 'add', `${gone}a`, 'type', 'veth', 'peer', 'name', `${gone}b`]);
    try {
      sh('ip', ['link', 'set', `${gone}b`, 'up']);
      const source = openLiveSource({ iface: `${gone}b` });
      const running = source.run(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
      sh('ip', ['link', 'del', `${gone}a`]);
      await expect(running).rejects.toThrow(`capture on ${gone}b failed: The interface disappeared`);
    } finally {
      execFileSync('sh', ['-c', `ip link del ${gone}a 2>/dev/null || true`]);
    }
  });

  it('an interface that does not exist: the message lists those that do', () => {
    expect(() => openLiveSource({ iface: 'nosuch0' })).toThrow(/^interface 'nosuch0' not found; available: .*\blo\b/);
  });

  it('without CAP_NET_RAW: the message says to run as root or grant the capability', async () => {
    // as nobody, from a bundle in a world-readable folder: the checkout may sit in a private home
    const program = await bundleForNobody(
      'unprivileged-capture',
      `import { openLiveSource } from './capture/io/index.ts';\n` +
        `await openLiveSource({ iface: process.argv[2]! }).run(() => undefined).then(() => console.log('opened'), (e: Error) => console.log(e.message));\n`,
    );
    try {
      expect(program.run([captureEnd]).trim()).toBe(
        `cannot capture on ${captureEnd}: permission denied — run as root or grant CAP_NET_RAW (setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node)))`,
      );
    } finally {
      program.remove();
    }
  });

  it('an invalid BPF filter is reported by run()', async () => {
    const source = openLiveSource({ iface: captureEnd, bpf: 'this is not bpf' });
    await expect(source.run(() => undefined)).rejects.toThrow(`invalid BPF filter 'this is not bpf' for ${captureEnd}`);
  });
});
