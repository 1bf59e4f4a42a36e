// Where the sensor's records go: the runtime's outputs. bin/ composes them; each module provides its own.
export type { RuntimeOutput as RecordSink } from '../runtime/index.ts';
