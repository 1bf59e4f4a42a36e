// A detection engine whose model can be replaced while the sensor runs. The replacement happens
// between windows: the old engine's open incidents are closed (their final updates are returned
// with the next window's anomalies), and the new engine starts with the next window.
import type { WindowStats } from '../capture/index.ts';
import type { Anomaly } from './anomaly.ts';
import { DetectionEngine, type DetectionOptions } from './detectionEngine.ts';
import type { ModelArtifact } from './modelArtifact.ts';

export class LiveDetection {
  private engine: DetectionEngine;
  private pending: DetectionEngine | null = null;

  constructor(
    model: ModelArtifact,
    private readonly opts: DetectionOptions = {},
    /** told when a new model takes over, with the start of the first window it scores */
    private readonly onSwitched: (from: string, to: string, windowStart: number) => void = () => {},
  ) {
    this.engine = new DetectionEngine(model, opts);
  }

  get model(): ModelArtifact {
    return this.engine.model;
  }

  get iocRejected(): readonly string[] {
    return this.engine.iocRejected;
  }

  /** Takes over at the next window; throws (and changes nothing) when an engine cannot be built on it. */
  replace(model: ModelArtifact): void {
    this.pending = new DetectionEngine(model, this.opts);
  }

  process(w: WindowStats): Anomaly[] {
    if (this.pending === null) return this.engine.process(w);
    const next = this.pending;
    this.pending = null;
    const closing = this.engine.finish();
    const from = this.engine.model.meta.version;
    this.engine = next;
    this.onSwitched(from, next.model.meta.version, w.start);
    return [...closing, ...next.process(w)];
  }

  finish(): Anomaly[] {
    return this.engine.finish();
  }
}
