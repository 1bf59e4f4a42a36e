// Robustness: random and mutated frames, under every link type, never make the decoder or the
// pipeline throw; broken ones are counted as decode errors.
import { describe, expect, it } from 'vitest';
import { CapturePipeline, PacketDecoder, SUPPORTED_LINK_TYPES, type PacketRecord } from '../../capture/index.ts';
import { LINKTYPE, relink, sampleTraffic } from '../../datasets/index.ts';

/** xorshift32: deterministic, so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function wrapped(frame: Uint8Array, linkType: number): Uint8Array | null {
  try {
    return relink(frame, linkType);
  } catch {
    return null; // the link type cannot carry this frame
  }
}

const seeds: Array<{ linkType: number; frame: Uint8Array }> = [];
for (const linkType of [LINKTYPE.ETHERNET, LINKTYPE.LINUX_SLL, LINKTYPE.LINUX_SLL2, LINKTYPE.RAW, LINKTYPE.NULL]) {
  for (const f of sampleTraffic({ vlan: linkType === LINKTYPE.ETHERNET ? [7, 8] : undefined })) {
    const frame = wrapped(f.frame, linkType);
    if (frame) seeds.push({ linkType, frame });
  }
}

/**
 * Records as a file reader hands them over: the packet sits at some offset inside a larger buffer,
 * between bytes of other packets (random here), so a decoder that reads past the captured bytes
 * decodes garbage instead of failing.
 */
function* frames(count: number, seed: number): Generator<PacketRecord> {
  const next = random(seed);
  const whole = new Uint8Array(4096);
  const rec: PacketRecord = {
    tsSec: 1_700_000_000, tsNsec: 0, origLen: 0, capLen: 0, buffer: whole, offset: 0, linkType: 1, iface: 0,
    get data() { return whole.subarray(this.offset, this.offset + this.capLen); },
  };
  for (let i = 0; i < count; i++) {
    const r = next();
    const at = next() % 64;
    const buf = whole.subarray(at);
    let len: number;
    if ((r & 7) === 0) {
      // pure noise under a random supported link type
      len = next() % 200;
      for (let j = 0; j < len; j++) buf[j] = next() & 255;
      rec.linkType = SUPPORTED_LINK_TYPES[next() % SUPPORTED_LINK_TYPES.length]!;
    } else {
      // a valid frame with a few bytes flipped and maybe cut short
      const s = seeds[next() % seeds.length]!;
      buf.set(s.frame);
      len = s.frame.length;
      const flips = 1 + (next() % 4);
      for (let k = 0; k < flips; k++) buf[next() % len] = next() & 255;
      if ((r & 3) === 1) len = next() % (len + 1);
      rec.linkType = s.linkType;
    }
    for (let j = len; j < len + 128; j++) buf[j] = next() & 255;
    rec.offset = at;
    rec.capLen = len;
    rec.origLen = (r & 16) !== 0 ? len + (next() % 100) : len;
    rec.tsSec = 1_700_000_000 + Math.floor(i / 50_000);
    rec.tsNsec = (i % 50_000) * 20_000;
    yield rec;
  }
}

describe('decoder robustness', () => {
  it('3,000,000 random and mutated frames: no exception, errors counted', () => {
    const d = new PacketDecoder();
    let errors = 0;
    let dns = 0;
    let n = 0;
    for (const rec of frames(3_000_000, 0x5eed)) {
      const p = d.decode(rec);
      if (p.malformed) errors++;
      if (p.dns) dns++;
      n++;
    }
    expect(n).toBe(3_000_000);
    expect(errors).toBeGreaterThan(30_000);
    expect(errors).toBeLessThan(n);
    expect(dns).toBeGreaterThan(0);
  });

  it('reads nothing past the captured bytes: a packet decodes the same alone and inside a larger buffer', () => {
    const inBuffer = new PacketDecoder();
    const alone = new PacketDecoder();
    const fields = (p: ReturnType<PacketDecoder['decode']>): string => JSON.stringify([
      p.malformed, p.network, p.etherType, p.vlan, [...p.src], [...p.dst], p.proto, p.hasPorts, p.sport, p.dport, p.tcpFlags,
      p.tcpSeq, p.icmpType, p.icmpCode, p.fragment, p.arpOp, p.dns, p.dnsResponse, p.dnsRcode, p.dnsQtype, p.dnsName,
    ]);
    let differ = 0;
    let n = 0;
    for (const rec of frames(200_000, 0xb0d5)) {
      const a = fields(inBuffer.decode(rec));
      const exact = rec.data.slice();
      const b = fields(alone.decode({ ...rec, buffer: exact, offset: 0, data: exact }));
      if (a !== b) differ++;
      n++;
    }
    expect(n).toBe(200_000);
    expect(differ).toBe(0);
  });

  it('300,000 through the whole pipeline (flows, windows): totals add up', () => {
    let windowPackets = 0;
    let windowErrors = 0;
    const pipeline = new CapturePipeline({ sensor: 'fuzz', flowCapacity: 5_000 }, (w) => {
      windowPackets += w.health.packetsSeen;
      windowErrors += w.health.decodeErrors;
    });
    for (const rec of frames(300_000, 0xbad5eed)) pipeline.ingest(rec);
    pipeline.flush();
    const t = pipeline.totals();
    expect(t.packets).toBe(300_000);
    expect(windowPackets).toBe(300_000);
    expect(windowErrors).toBe(t.decodeErrors);
    expect(t.decodeErrors).toBeGreaterThan(0);
  });
});
