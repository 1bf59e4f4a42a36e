export { SensorRuntime, type RuntimeCounters, type RuntimeOutput, type SensorRuntimeOptions, type WindowDetection } from './sensorRuntime.ts';
