// How many capture workers a sensor starts when not told: one per core the process may use, up to
// MAX_AUTOMATIC_WORKERS (the dispatcher's one thread feeds only so many), and 1 on one core (the
// single-threaded pipeline: nothing to share the work with).
import { availableParallelism } from 'node:os';

const MAX_AUTOMATIC_WORKERS = 8;

/** the rule, for help texts */
export const AUTOMATIC_WORKERS_RULE = `one per core, at most ${MAX_AUTOMATIC_WORKERS}; 1 on one core`;

export function automaticWorkers(cores = availableParallelism()): number {
  return cores <= 1 ? 1 : Math.min(cores, MAX_AUTOMATIC_WORKERS);
}
