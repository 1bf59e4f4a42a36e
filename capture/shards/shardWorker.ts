// A shard's worker thread: its own flow table and window accumulators, fed by its ring. It answers
// each close of the dispatcher with the closed windows' shards, the DNS answers counted since the
// last close, and its flow table's state, and the end of the input with its totals.
import { parentPort, workerData } from 'node:worker_threads';
import { ReusedPacketRecord } from '../packet.ts';
import { CapturePipeline, type CaptureTotals, type PipelineOptions } from '../pipeline.ts';
import type { ClosedShards } from '../windows/windowAggregator.ts';
import type { DnsAnswerEvent, WindowShard } from '../windows/windowShard.ts';
import { RECORD_CLOSE, RECORD_END, RECORD_PACKET, ShardRingReader, type ShardRecordInfo, type ShardRingMemory } from './shardRing.ts';

export interface ShardWorkerData {
  shard: number;
  pipeline: PipelineOptions;
  ring: ShardRingMemory;
}

/** What a shard reports for one close of the dispatcher. */
export interface ShardClosed {
  type: 'closed';
  shard: number;
  marker: number;
  windows: WindowShard[];
  answers: DnsAnswerEvent[];
  /** flows evicted since the previous report */
  evictions: number;
  /** flows in the table */
  flowsTracked: number;
}

export interface ShardEnded {
  type: 'ended';
  shard: number;
  totals: CaptureTotals;
}

function run(data: ShardWorkerData): void {
  const port = parentPort!;
  const pipeline = new CapturePipeline({ ...data.pipeline, shard: true }, () => {
    throw new Error('a shard hands its windows to the merge: it emits none itself');
  });
  const reader = new ShardRingReader(data.ring);
  const info: ShardRecordInfo = { kind: 0, seq: 0, window: 0, clockMs: 0, closeBefore: Number.NaN, marker: 0 };
  const rec = new ReusedPacketRecord();
  let reportedEvictions = 0;
  const report = (marker: number, closed: ClosedShards): void => {
    const state = pipeline.flowTableState();
    const msg: ShardClosed = {
      type: 'closed', shard: data.shard, marker, windows: closed.windows, answers: closed.answers,
      evictions: state.evictions - reportedEvictions, flowsTracked: state.size,
    };
    reportedEvictions = state.evictions;
    port.postMessage(msg);
  };
  for (;;) {
    reader.next(info, rec);
    if (info.clockMs > -Infinity) pipeline.advanceClock(info.clockMs);
    if (info.kind === RECORD_PACKET) {
      const closed = pipeline.ingestShard(rec, info.seq, info.window, info.closeBefore);
      if (closed !== null) report(info.marker, closed);
    } else if (info.kind === RECORD_CLOSE) {
      report(info.marker, pipeline.closeBefore(info.closeBefore));
    } else if (info.kind === RECORD_END) {
      const ended: ShardEnded = { type: 'ended', shard: data.shard, totals: pipeline.totals() };
      port.postMessage(ended);
      return;
    }
  }
}

run(workerData as ShardWorkerData);
