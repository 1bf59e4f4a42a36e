// Synthetic records for tests and benchmarks: office WindowStats with a daily profile, and
// WindowStats/Anomaly samples with every field set (for the store's encoders).
export * from './officeWindows.ts';
export * from './recordSamples.ts';
