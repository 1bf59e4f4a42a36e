// Capture on several cores: the dispatcher, its rings and the shard workers.
export { ShardedPipeline, DEFAULT_SHARD_RING_BYTES, type ShardedPipelineOptions } from './shardedPipeline.ts';
export { automaticWorkers, AUTOMATIC_WORKERS_RULE } from './automaticWorkers.ts';
