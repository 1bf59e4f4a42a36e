// The criticality file: levels by the most specific prefix, and asset names from its list form.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CriticalityMap } from '../../model/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'criticality-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(content));
  return p;
}

describe('criticality file', () => {
  it('names assets from the list form, the most specific entry winning', () => {
    const map = CriticalityMap.fromFile(file('list.json', [
      { cidr: '10.0.0.0/24', criticality: 'medium', name: 'office' },
      { cidr: '10.0.0.10/32', criticality: 'critical', name: 'file server' },
      { cidr: 'fd00::/64', criticality: 'high' },
    ]));
    expect(map.asset('10.0.0.10')).toEqual({ cidr: '10.0.0.10/32', criticality: 'critical', name: 'file server' });
    expect(map.asset('10.0.0.77')).toEqual({ cidr: '10.0.0.0/24', criticality: 'medium', name: 'office' });
    expect(map.asset('fd00::5')).toEqual({ cidr: 'fd00::/64', criticality: 'high' });
    expect(map.asset('192.0.2.1')).toBeNull();
    expect(map.lookup('10.0.0.10')).toBe('critical');
  });

  it('reads the object form without names, and refuses a name that is not a short string', () => {
    expect(CriticalityMap.fromFile(file('obj.json', { '10.0.0.0/8': 'low' })).asset('10.1.2.3')).toEqual({ cidr: '10.0.0.0/8', criticality: 'low' });
    expect(() => CriticalityMap.fromFile(file('bad.json', [{ cidr: '10.0.0.1', criticality: 'high', name: 5 }]))).toThrow(/"name" must be a string/);
    expect(() => CriticalityMap.fromFile(file('long.json', [{ cidr: '10.0.0.1', criticality: 'high', name: 'x'.repeat(200) }]))).toThrow(/at most 128/);
  });
});
