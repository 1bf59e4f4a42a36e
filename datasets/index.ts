export * from './craft.ts';
export * from './craftSamples.ts';
export * from './generator/generateDataset.ts';
export * from './generator/labels.ts';
export * from './presets.ts';
export * from './catalogue.ts';
export * from './bundled.ts';
