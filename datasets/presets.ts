// Named dataset sizes: `demo` (what `spanwatch demo` replays) and `test` (what the suites use) of the
// small office; `enterprise` (two weeks of a 422-host site) and `enterprise-test` (its three-day
// miniature for the suites).
import { DEFAULT_START, type GenerateOptions } from './generator/generateDataset.ts';
import type { EnterpriseOptions } from './generator/generateEnterprise.ts';

export type PresetName = 'demo' | 'test' | 'enterprise' | 'enterprise-test';

export interface DatasetPreset {
  name: PresetName;
  description: string;
  seed: number;
  /**
   * a second seed for judging: detectors are developed against `seed`, their numbers are quoted
   * on this one (same world, other hosts, times and names)
   */
  evaluationSeed?: number;
  days: number;
  scale: number;
  start: number;
  enterprise?: EnterpriseOptions;
}

/** The site's public holiday in the enterprise presets: German Unity Day, a Friday in 2025. */
const ENTERPRISE_HOLIDAYS = ['2025-10-03'];

export const PRESETS: Record<PresetName, DatasetPreset> = {
  demo: {
    name: 'demo',
    description: 'three normal working days of a 12-workstation office, then an incident day with one incident of every kind',
    seed: 20240304, days: 4, scale: 1, start: DEFAULT_START,
  },
  test: {
    name: 'test',
    description: 'two quiet normal days and an incident day: small and quick, for the test suites',
    seed: 7, days: 3, scale: 0.1, start: DEFAULT_START,
  },
  enterprise: {
    name: 'enterprise',
    description: 'two weeks of a 422-host enterprise site in Europe/Berlin: a normal week to train on, then a week with incidents on three working days and the Saturday, a public holiday and normal days',
    seed: 90210, evaluationSeed: 31337, days: 14, scale: 1, start: Date.UTC(2025, 8, 22),
    enterprise: { timeZone: 'Europe/Berlin', holidays: ENTERPRISE_HOLIDAYS, size: { desktops: 180, laptops: 220, printers: 8, iot: 6 }, trainDays: 7 },
  },
  'enterprise-test': {
    name: 'enterprise-test',
    description: 'three days of a 142-host enterprise site in Europe/Berlin: a normal Thursday, every incident on Friday and the weekend ones on Saturday; for the test suites',
    seed: 4711, days: 3, scale: 1, start: Date.UTC(2025, 8, 25),
    enterprise: { timeZone: 'Europe/Berlin', holidays: ENTERPRISE_HOLIDAYS, size: { desktops: 64, laptops: 64, printers: 3, iot: 3 }, trainDays: 1 },
  },
};

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

/** Generator options for a preset written to `outDir` (fields of `overrides` win). */
export function presetOptions(name: PresetName, outDir: string, overrides: Partial<GenerateOptions> = {}): GenerateOptions {
  const p = PRESETS[name];
  return {
    outDir, seed: p.seed, days: p.days, scale: p.scale, start: p.start, incidents: true, name: p.name, description: p.description,
    ...(p.enterprise ? { enterprise: p.enterprise } : {}), ...overrides,
  };
}
