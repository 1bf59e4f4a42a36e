// The detection stage of the sensor: every closed window goes through the model's detection
// engine, and the anomalies it returns (new incidents and updates) go to every sink.
import type { WindowStats } from '../../capture/index.ts';
import { DetectionEngine, loadModel, type Anomaly } from '../../model/index.ts';
import { CliError } from '../cliError.ts';
import { modelsDirFrom } from '../options.ts';
import { CALENDAR_FLAGS, CALENDAR_USAGE, calendarFrom } from '../calendarOptions.ts';
import type { RecordSink } from '../sinks.ts';

export const detectFlags = {
  model: { type: 'string' },
  models: { type: 'string' },
  ioc: { type: 'string' },
  criticality: { type: 'string' },
  ...CALENDAR_FLAGS,
} as const;

export const detectHelp = `detection:
  --model DIR|latest   score every window with this model (a folder, a version, or latest = the
                       live version); anomalies go to every output as {"type":"anomaly",...}
  --models DIR         models directory for versions and latest (default $SPANWATCH_MODELS, else <var>/models)
  --ioc FILE           IOC list (IPs, CIDRs, domains; one per line), re-read when it changes
  --criticality FILE   JSON mapping CIDRs to low/medium/high/critical (raises severity)
${CALENDAR_USAGE}`;

export interface DetectValues {
  model?: string;
  models?: string;
  ioc?: string;
  criticality?: string;
  timezone?: string;
  holidays?: string;
}

class DetectSink implements RecordSink {
  private failures = 0;
  constructor(private readonly engine: DetectionEngine, private readonly publish: (a: Anomaly) => void) {}

  window(stats: WindowStats): void {
    let found: Anomaly[];
    try {
      found = this.engine.process(stats);
    } catch (err) {
      if (this.failures++ === 0) process.stderr.write(`spanwatch sensor: detection failed on a window: ${(err as Error).message}\n`);
      return;
    }
    for (const a of found) this.publish(a);
  }

  anomaly(): void {
    // anomalies come from this stage; nothing to do with them here
  }

  /** Ends the open incidents so every sink gets their final state before it closes. */
  async close(): Promise<void> {
    for (const a of this.engine.finish()) this.publish(a);
    if (this.failures > 1) process.stderr.write(`spanwatch sensor: detection failed on ${this.failures} windows\n`);
  }
}

/** The detection stage, or null without --model. Put it first so its final anomalies reach the others. */
export async function openDetectSink(values: DetectValues, ctx: { sensor: string; windowMs: number; publishAnomaly(a: Anomaly): void }): Promise<RecordSink | null> {
  if (values.model === undefined) {
    if (values.ioc !== undefined || values.criticality !== undefined) throw new CliError('sensor: --ioc and --criticality need --model');
    return null;
  }
  let engine: DetectionEngine;
  try {
    const model = await loadModel(values.model, { modelsDir: modelsDirFrom(values.models) });
    if (model.meta.windowMs !== ctx.windowMs) {
      throw new Error(`model ${model.meta.version} was trained on ${model.meta.windowMs} ms windows; run the sensor with --window ${model.meta.windowMs}ms or train a model for ${ctx.windowMs} ms windows`);
    }
    engine = new DetectionEngine(model, { ioc: values.ioc, criticality: values.criticality, sensor: ctx.sensor, calendar: calendarFrom(values, 'sensor', model.meta.baseline.calendar) });
  } catch (err) {
    throw new CliError(`sensor --model: ${(err as Error).message}`, 1);
  }
  if (engine.iocRejected.length > 0) {
    process.stderr.write(`spanwatch sensor: --ioc ${values.ioc}: ignored ${engine.iocRejected.length} line(s) that are not an address, CIDR or domain: ${engine.iocRejected.slice(0, 5).join(', ')}\n`);
  }
  return new DetectSink(engine, (a) => ctx.publishAnomaly(a));
}
