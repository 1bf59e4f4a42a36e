export * from './anomaly.ts';
