// The sensor's evidence stage: settings from the flags, and a failing evidence directory stops
// evidence with one notice instead of stopping the capture.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvidenceSink, evidenceSettings } from '../../bin/sinks/evidence.ts';
import { makeAnomaly, makeWindow } from './server-fixtures.ts';

describe('the sensor\'s evidence stage', () => {
  it('reads its flags, with defaults, and refuses contradictions and bad sizes', () => {
    expect(evidenceSettings({}, '/v')).toEqual({ windowMs: 120_000, maxBytes: 512 * 1024 ** 2, diskBytes: 2 * 1024 ** 3, dir: '/v/evidence' });
    expect(evidenceSettings({ 'evidence-window': '30s', 'evidence-max': '64MB', 'evidence-dir': '/e', 'evidence-disk': '1GB' }, '/v'))
      .toEqual({ windowMs: 30_000, maxBytes: 64 * 1024 ** 2, diskBytes: 1024 ** 3, dir: '/e' });
    expect(evidenceSettings({ 'no-evidence': true }, '/v')).toBeNull();
    expect(() => evidenceSettings({ 'no-evidence': true, 'evidence-max': '1GB' }, '/v')).toThrow(/contradicts --no-evidence/);
    expect(() => evidenceSettings({ 'evidence-max': 'lots' }, '/v')).toThrow(/--evidence-max: 'lots' is not a size/);
    expect(() => evidenceSettings({ 'evidence-disk': '1KB' }, '/v')).toThrow(/--evidence-disk: at least 4KB/);
  });

  it('stops evidence, not the capture, when its directory fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-evidence-'));
    const notices: string[] = [];
    const sink = new EvidenceSink({ windowMs: 60_000, maxBytes: 1 << 20, diskBytes: 1 << 24, dir: join(dir, 'ev') }, 1000, (m) => notices.push(m));
    sink.attach(null);
    sink.anomaly(makeAnomaly({ id: 'first', ongoing: true }));
    expect(existsSync(join(dir, 'ev', 'first.json'))).toBe(true);
    rmSync(join(dir, 'ev'), { recursive: true, force: true });
    expect(() => sink.anomaly(makeAnomaly({ id: 'second', ongoing: true }))).not.toThrow();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^evidence stopped: .*ENOENT.*capture and detection go on/);
    sink.window(makeWindow('s1', 0));
    await sink.close();
    expect(notices).toHaveLength(1);
    rmSync(dir, { recursive: true, force: true });
  });
});
