// The detectors on real third-party captures (../shared/captures): with a baseline learned from
// the benign captures, the SYN scan, the dnscat2 exfiltration and the HTTPS beacon are flagged;
// each benign capture, scored by a baseline learned from the other benign ones (never from
// itself), raises nothing above low. Only this file depends on that folder.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DetectionEngine, ModelTrainer, type Anomaly, type ModelArtifact } from '../../model/index.ts';
import { windowsFromCaptures } from '../../capture/index.ts';

// beside the checkout by default; SPANWATCH_REAL_CAPTURES names another folder (a worktree elsewhere)
const ROOT = process.env.SPANWATCH_REAL_CAPTURES || join(import.meta.dirname, '../../../shared/captures');
const present = existsSync(join(ROOT, 'benign')) && existsSync(join(ROOT, 'attack'));
if (!present) process.stderr.write(`model-realCaptures: ${ROOT} is absent; the real-capture checks are skipped (the generated-dataset evaluation still runs)\n`);

let model: ModelArtifact;

async function train(files: string[]): Promise<ModelArtifact> {
  const trainer = new ModelTrainer({ seed: 1, epochs: 2, minWindows: 100 });
  // each capture has its own clock; windows of another length cannot occur here
  for (const f of files) await windowsFromCaptures([f], { windowMs: 1000, sensor: 'real' }, (w) => trainer.add(w));
  return trainer.finish();
}

async function detect(file: string, by: ModelArtifact = model): Promise<Anomaly[]> {
  const engine = new DetectionEngine(by, { now: () => 0 });
  const last = new Map<string, Anomaly>();
  await windowsFromCaptures([file], { windowMs: 1000, sensor: 'real' }, (w) => { for (const a of engine.process(w)) last.set(a.id, a); });
  for (const a of engine.finish()) last.set(a.id, a);
  return [...last.values()];
}

describe.skipIf(!present)('real captures', () => {
  const benign = present ? readdirSync(join(ROOT, 'benign')).sort() : [];
  beforeAll(async () => {
    model = await train(benign.map((f) => join(ROOT, 'benign', f)));
  }, 120_000);

  it('flags the nmap SYN scan as a vertical scan of one host', async () => {
    const found = await detect(join(ROOT, 'attack/scan_ndpi_synscan.pcap'));
    const scan = found.find((a) => a.kind === 'scan');
    expect(scan?.subject).toMatchObject({ localHost: '172.16.0.8', remote: '64.13.134.52' });
    // the evidence lists the ports it probed
    expect(scan?.subject.ports?.length).toBe(20);
    expect(scan!.observed.value).toBeGreaterThanOrEqual(100);
  });
  it('flags the dnscat2 exfiltration as a DNS tunnel', async () => {
    const found = await detect(join(ROOT, 'attack/exfil_ndpi_dns_exfiltration.pcap'));
    expect(found.find((a) => a.kind === 'dns-tunnel')?.subject.localHost).toBe('192.168.220.56');
  });
  it('flags the HTTPS beacon', async () => {
    const found = await detect(join(ROOT, 'attack/beacon_slips_test-cc-capture-2.pcap'));
    expect(found.find((a) => a.kind === 'beaconing')?.subject).toEqual({ localHost: '147.32.80.37', remote: '141.193.213.20', port: 443 });
  });
  it('raises nothing above low on a benign capture it never trained on (each left out in turn)', async () => {
    expect(benign.length).toBeGreaterThanOrEqual(2);
    const loud: string[] = [];
    for (const f of benign) {
      const others = await train(benign.filter((g) => g !== f).map((g) => join(ROOT, 'benign', g)));
      for (const a of await detect(join(ROOT, 'benign', f), others)) if (a.level !== 'info' && a.level !== 'low') loud.push(`${f}: ${a.level} ${a.kind}: ${a.summary}`);
    }
    expect(loud).toEqual([]);
  }, 300_000);
});
