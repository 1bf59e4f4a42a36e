// Named dataset sizes: `demo` (what `spanwatch demo` replays) and `test` (what the suites use).
import { DEFAULT_START, type GenerateOptions } from './generator/generateDataset.ts';

export type PresetName = 'demo' | 'test';

export interface DatasetPreset {
  name: PresetName;
  description: string;
  seed: number;
  days: number;
  scale: number;
  start: number;
}

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
};

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

/** Generator options for a preset written to `outDir` (fields of `overrides` win). */
export function presetOptions(name: PresetName, outDir: string, overrides: Partial<GenerateOptions> = {}): GenerateOptions {
  const p = PRESETS[name];
  return { outDir, seed: p.seed, days: p.days, scale: p.scale, start: p.start, incidents: true, name: p.name, description: p.description, ...overrides };
}
