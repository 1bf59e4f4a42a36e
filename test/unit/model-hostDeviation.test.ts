// The host autoencoder earns its place: a workstation that starts serving remote desktop to a few
// colleagues — no scan, no spike, no new destination, nothing a rule names — is flagged as a
// host-deviation naming that host and the features that drove it; an ordinary day raises none.
import { beforeAll, describe, expect, it } from 'vitest';
import type { WindowStats } from '../../capture/index.ts';
import { DetectionEngine, trainModel, type Anomaly, type ModelArtifact } from '../../model/index.ts';
import { DAY_MS, T0, WORKSTATIONS, normalWindow, rng, syntheticWindows } from '../../datasets/synthetic/index.ts';

const WINDOW_MS = 60_000;
const CHANGED = WORKSTATIONS[2]!;
let model: ModelArtifact;

beforeAll(async () => {
  model = await trainModel([...syntheticWindows({ windows: 4 * 1440, windowMs: WINDOW_MS })], { seed: 2, epochs: 6 });
}, 180_000);

/** Day 5 (Friday) 09:00–12:00; from 10:00 a colleague opens a remote-desktop session to CHANGED every few minutes. */
function day(changed: boolean): Anomaly[] {
  const engine = new DetectionEngine(model, { now: () => 0 });
  const r = rng(77);
  const out: Anomaly[] = [];
  const start = T0 + 4 * DAY_MS + 9 * 3_600_000;
  for (let i = 0; i < 180; i++) {
    const t = start + i * WINDOW_MS;
    const w: WindowStats = normalWindow(t, WINDOW_MS, r);
    if (changed && i >= 60 && i % 3 === 0) {
      const client = WORKSTATIONS[(i / 3) % WORKSTATIONS.length]!;
      if (client !== CHANGED) w.flowStarts.push({ ts: t + 1000, direction: 'internal', proto: 'tcp', local: client, remote: CHANGED, port: 3389 });
    }
    out.push(...engine.process(w));
  }
  return [...out, ...engine.finish()];
}

describe('host-deviation', () => {
  it('records a calibrated host model in the artifact', () => {
    expect(model.meta.hostModel.threshold).toBeGreaterThan(0);
    expect(model.meta.hostModel.calibration.method).toBe('held-out-days');
    expect(model.meta.hostModel.calibration.heldOutDays).toBe(1);
    expect(Object.keys(model.meta.hostBaselines.profiles ?? {})).toContain(CHANGED);
  });

  it('raises nothing on an ordinary morning', () => {
    expect(day(false).filter((a) => a.kind === 'host-deviation').map((a) => a.summary)).toEqual([]);
  });

  it('flags a workstation that starts serving remote desktop, naming it and the service mix that changed, while no rule fires', () => {
    const all = day(true);
    const found = all.filter((a) => a.kind === 'host-deviation');
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found.map((a) => a.subject.localHost))).toEqual(new Set([CHANGED]));
    const features = found[0]!.contributions.map((c) => c.feature);
    expect(features.some((f) => f === 'profile.serves.rdp' || f === 'profile.servedShare')).toBe(true);
    expect(found[0]!.start).toBeGreaterThanOrEqual(T0 + 4 * DAY_MS + 10 * 3_600_000);
    expect(all.filter((a) => a.kind !== 'host-deviation' && a.kind !== 'deviation').map((a) => a.summary)).toEqual([]);
  });
});
