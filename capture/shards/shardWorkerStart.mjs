// Starts a shard's worker thread: registers the TypeScript loader in this thread (a worker does
// not inherit the loader the main thread was started with), then runs the worker's module.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
