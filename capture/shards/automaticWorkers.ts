// How many capture workers a sensor starts when not told. The reading thread (the dispatcher) needs
// a core of its own: its work per packet (reading, the link and IP headers, the copy into a ring)
// costs about as much as the whole single-threaded pipeline on ordinary traffic. Measured on two
// cores, two workers were slower end to end than one (0.56× on realistic traffic, 0.99× on a SYN
// flood: docs/capture.md, "Workers"), so up to two cores the sensor runs the single pipeline, and
// beyond, one worker per core besides the reader, up to MAX_AUTOMATIC_WORKERS.
import { availableParallelism } from 'node:os';

const MAX_AUTOMATIC_WORKERS = 8;

/** the rule, for help texts */
export const AUTOMATIC_WORKERS_RULE = `1 up to 2 cores, else one per core but one, at most ${MAX_AUTOMATIC_WORKERS}`;

export function automaticWorkers(cores = availableParallelism()): number {
  return cores <= 2 ? 1 : Math.min(cores - 1, MAX_AUTOMATIC_WORKERS);
}
