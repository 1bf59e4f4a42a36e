// Passive DNS: the A/AAAA answers the decoder reads equal tshark's dns.a/dns.aaaa on a real
// capture, the table names the top remote endpoints of the windows, and it stays bounded.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addressText } from '../../capture/structures/addressText.ts';
import { CapturePipeline, PacketDecoder, PassiveDnsNames, frameRecord, openFileSource, type WindowStats } from '../../capture/index.ts';
import { dnsResponse, udpFrame } from '../../datasets/craft.ts';
import { sharedCapturesDir } from '../helpers/sharedCaptures.ts';

const captures = sharedCapturesDir();

describe('passive DNS', () => {
  it.skipIf(captures === null)('reads the same answer addresses as tshark, response by response', async () => {
    const file = join(captures!, 'benign/chrissanders_http_espn.pcapng');
    const out = execFileSync('tshark', [
      '-r', file, '-Y', 'dns.flags.response == 1 && dns.flags.rcode == 0 && dns.count.answers > 0', '-T', 'fields',
      '-e', 'dns.qry.name', '-e', 'dns.a', '-e', 'dns.aaaa',
    ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const expected = out.trim().split('\n').map((line) => {
      const [name, a, aaaa] = line.split('\t');
      return { name: name!.toLowerCase(), addresses: [...(a ? a.split(',') : []), ...(aaaa ? aaaa.split(',') : [])] };
    });
    const decoder = new PacketDecoder();
    const seen: { name: string; addresses: string[] }[] = [];
    await openFileSource([file]).run((rec) => {
      const p = decoder.decode(rec);
      if (!p.dns || !p.dnsResponse || p.dnsRcode !== 0 || p.dnsAnswers === 0) return;
      const addresses: string[] = [];
      for (let i = 0; i < p.dnsAnswers; i++) addresses.push(addressText(p.dnsAnswerV6[i] === 1, p.dnsAnswerWords.subarray(i * 4, i * 4 + 4)));
      seen.push({ name: p.dnsName, addresses });
    });
    expect(expected.length).toBeGreaterThan(10);
    expect(seen).toEqual(expected);

    // the pipeline's table ends with the last name each address was answered for, and windows list them
    const windows: WindowStats[] = [];
    const pipeline = new CapturePipeline({ sensor: 't' }, (w) => windows.push(w));
    await pipeline.run(openFileSource([file]));
    const last = new Map<string, string>();
    for (const e of expected) for (const a of e.addresses) last.set(a, e.name);
    for (const [address, name] of last) expect(pipeline.names!.nameOf(address), address).toBe(name);
    const listed = windows.flatMap((w) => w.dns.answers ?? []);
    expect(new Set(listed.map((a) => a.address))).toEqual(new Set(last.keys()));
    const named = windows.flatMap((w) => w.topRemoteEndpoints.filter((r) => r.name !== undefined));
    expect(named.length).toBeGreaterThan(0);
    expect(named.find((r) => r.host === '199.181.132.250')?.name).toBe('www.espn.com');
  });

  it('keeps a bounded table, least recently answered out first, a few names per address', () => {
    const t = new PassiveDnsNames(2);
    t.learn('192.0.2.1', 'a.example', 1);
    t.learn('192.0.2.2', 'b.example', 2);
    t.learn('192.0.2.1', 'c.example', 3);
    t.learn('192.0.2.3', 'd.example', 4);
    expect(t.size).toBe(2);
    expect(t.evicted).toBe(1);
    expect(t.nameOf('192.0.2.2')).toBeUndefined();
    expect(t.entry('192.0.2.1')).toEqual({ address: '192.0.2.1', names: ['c.example', 'a.example'], lastSeen: 3 });
    expect(t.addressesOf('example', 10).map((e) => e.address)).toEqual(['192.0.2.3', '192.0.2.1']);
  });

  it('survives a damaged answer section and reads AAAA records', () => {
    const decoder = new PacketDecoder();
    const body = dnsResponse({ id: 7, name: 'v6.example', qtype: 28, answers: ['2001:db8::5'] });
    const frame = udpFrame({ src: '10.0.0.2', dst: '10.0.0.9', sport: 53, dport: 4000, payload: body });
    let p = decoder.decode(frameRecord(frame, 1, 0));
    expect(p.dnsAnswers).toBe(1);
    expect(addressText(true, p.dnsAnswerWords.subarray(0, 4))).toBe('2001:db8::5');
    // rdlength pointing past the end: no answer, no exception, the header still counts
    const cut = body.slice();
    cut[cut.length - 17] = 0xff;
    p = decoder.decode(frameRecord(udpFrame({ src: '10.0.0.2', dst: '10.0.0.9', sport: 53, dport: 4000, payload: cut }), 1, 0));
    expect(p.dns).toBe(true);
    expect(p.dnsAnswers).toBe(0);
  });
});
