export * from './craft.ts';
