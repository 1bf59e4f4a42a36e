// The sensor, assembled once: a packet source through the capture pipeline, each closed window
// through detection (when there is a model), the window and the anomalies to every output.
// `spanwatch sensor`, `serve --sensor` and the training-mode replays all run this; they differ
// only in the source and the outputs they give it.
import { CapturePipeline, type PacketSource, type PassiveDnsNames, type PipelineOptions, type WindowStats } from '../capture/index.ts';
import { ShardedPipeline } from '../capture/shards/index.ts';
import type { Anomaly } from '../model/index.ts';

/** Where the runtime's records go (JSON lines, the store, a server, the live feed, evidence). */
export interface RuntimeOutput {
  /** a closed window; must not block the pipeline (queue internally) */
  window(stats: WindowStats): void;
  /** a new anomaly, or an update of an ongoing incident (same id) */
  anomaly(anomaly: Anomaly): void;
  /** flush everything accepted, then release resources */
  close(): Promise<void>;
}

/** A model's detection over consecutive windows (the model's DetectionEngine or LiveDetection). */
export interface WindowDetection {
  /** the model scoring the windows (its version names it in the log) */
  readonly model: { readonly meta: { readonly version: string } };
  process(w: WindowStats): Anomaly[];
  /** ends the open incidents: their final updates */
  finish(): Anomaly[];
}

export interface SensorRuntimeOptions<D extends WindowDetection = WindowDetection> {
  pipeline: PipelineOptions;
  /** capture threads (default 1): with 2 or more, each counts its shard of the traffic and the
   *  windows are merged (capture/shards); the records are the same as with one */
  workers?: number;
  /** the detection to start with; none: windows only, until setDetection() */
  detection?: D | null;
  /** in the order they receive each record and are closed */
  outputs: RuntimeOutput[];
  /** one line per event (a failure, a detection stop); the runtime never writes to the console itself */
  log: (line: string) => void;
}

export interface RuntimeCounters {
  windows: number;
  anomalies: number;
  /** windows on which detection threw (detection stops at the first, until the next model) */
  detectionFailures: number;
  /** windows closed while detection was stopped after a failure */
  windowsWithoutDetection: number;
  /** records an output threw on (the output keeps receiving the next ones) */
  outputFailures: number;
}

export class SensorRuntime<D extends WindowDetection = WindowDetection> {
  /** the capture: the pipeline itself with one worker, the sharded pipeline with more */
  private readonly capture: CapturePipeline | ShardedPipeline;
  readonly counters: RuntimeCounters = { windows: 0, anomalies: 0, detectionFailures: 0, windowsWithoutDetection: 0, outputFailures: 0 };
  private active: D | null;
  private stoppedAfterFailure = false;
  private readonly outputs: RuntimeOutput[];
  private readonly failedOutputs = new Set<RuntimeOutput>();
  private readonly log: (line: string) => void;
  private closed = false;

  /** Throws when the pipeline options are invalid (e.g. a bad local network). */
  constructor(o: SensorRuntimeOptions<D>) {
    this.active = o.detection ?? null;
    this.outputs = [...o.outputs];
    this.log = o.log;
    const workers = o.workers ?? 1;
    this.capture = workers > 1
      ? new ShardedPipeline({ ...o.pipeline, workers }, (w) => this.onWindow(w))
      : new CapturePipeline(o.pipeline, (w) => this.onWindow(w));
  }

  /** the single-threaded pipeline, for callers that feed it packets themselves (ingest()) */
  get pipeline(): CapturePipeline {
    if (this.capture instanceof CapturePipeline) return this.capture;
    throw new Error('a runtime with several capture workers reads its source itself (run()); it has no single pipeline to feed');
  }

  /** passive DNS names learnt from the traffic (null when turned off) */
  get names(): PassiveDnsNames | null {
    return this.capture.names;
  }

  /** the running detection; null without a model or after a detection failure */
  get detection(): D | null {
    return this.active;
  }

  /** Starts (or restarts, after a failure) detection with the next window. */
  setDetection(detection: D | null): void {
    this.active = detection;
    this.stoppedAfterFailure = false;
  }

  /** Reads the source to its end (or until stop()); rejects on an error that ends the source. */
  run(source: PacketSource): Promise<void> {
    return this.capture.run(source);
  }

  stop(): void {
    this.capture.stop();
  }

  /** Ends the open incidents (their final state reaches every output), then closes the outputs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.active) {
      const detection = this.active;
      this.active = null;
      try {
        for (const a of detection.finish()) this.publish(a);
      } catch (err) {
        this.log(`detection failed while ending its open incidents: ${(err as Error).message}`);
      }
    }
    // started in order, so an output that reports to later ones (evidence) starts closing first
    const results = await Promise.allSettled(this.outputs.map((out) => out.close()));
    for (const r of results) {
      if (r.status === 'rejected') {
        this.counters.outputFailures++;
        this.log(`an output failed to close: ${(r.reason as Error).message ?? String(r.reason)}`);
      }
    }
  }

  private onWindow(w: WindowStats): void {
    this.counters.windows++;
    this.detect(w);
    for (const out of this.outputs) this.deliver(out, () => out.window(w));
  }

  private detect(w: WindowStats): void {
    const detection = this.active;
    if (detection === null) {
      if (this.stoppedAfterFailure) this.counters.windowsWithoutDetection++;
      return;
    }
    let found: Anomaly[];
    try {
      found = detection.process(w);
    } catch (err) {
      this.counters.detectionFailures++;
      this.counters.windowsWithoutDetection++;
      this.active = null;
      this.stoppedAfterFailure = true;
      this.log(`detection failed on the window of ${new Date(w.start).toISOString()} (model ${detection.model.meta.version}): ${(err as Error).message}; `
        + 'capture and outputs continue without detection until another model is loaded');
      try {
        for (const a of detection.finish()) this.publish(a);
      } catch {
        // its open incidents cannot be ended: they stay at their last published state
      }
      return;
    }
    for (const a of found) this.publish(a);
  }

  private publish(a: Anomaly): void {
    this.counters.anomalies++;
    if (a.subject.remote !== undefined && a.subject.remoteName === undefined) {
      const name = this.capture.names?.nameOf(a.subject.remote);
      if (name !== undefined) a.subject.remoteName = name;
    }
    for (const out of this.outputs) this.deliver(out, () => out.anomaly(a));
  }

  private deliver(out: RuntimeOutput, send: () => void): void {
    try {
      send();
    } catch (err) {
      this.counters.outputFailures++;
      if (!this.failedOutputs.has(out)) {
        this.failedOutputs.add(out);
        this.log(`an output failed on a record (${(err as Error).message}); it keeps receiving the next ones, the other outputs are unaffected`);
      }
    }
  }
}
