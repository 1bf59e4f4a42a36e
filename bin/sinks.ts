// Where the sensor's records go. bin/ composes sinks; each module provides its own.
import type { WindowStats } from '../capture/index.ts';
import type { Anomaly } from '../model/index.ts';

export interface RecordSink {
  /** a closed window; must not block the pipeline (queue internally) */
  window(stats: WindowStats): void;
  /** a new anomaly, or an update of an ongoing incident (same id) */
  anomaly(anomaly: Anomaly): void;
  /** flush everything accepted, then release resources */
  close(): Promise<void>;
}
