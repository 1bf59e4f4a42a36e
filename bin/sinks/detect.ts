// The detection stage of the sensor: every closed window goes through the model's detection
// engine, and the anomalies it returns (new incidents and updates) go to every sink.
import type { WindowStats } from '../../capture/index.ts';
import { LiveDetection, LiveModelWatcher, loadModel, type Anomaly, type ModelArtifact } from '../../model/index.ts';
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
                       live version); anomalies go to every output as {"type":"anomaly",...}.
                       With latest, a version promoted later (or rolled back to) takes over
                       between two windows without a restart; one that cannot be loaded is
                       refused and the running one kept (both are logged)
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

/** Why a model cannot score this sensor's windows, or null. */
function windowMismatch(model: ModelArtifact, windowMs: number): string | null {
  return model.meta.windowMs === windowMs
    ? null
    : `model ${model.meta.version} was trained on ${model.meta.windowMs} ms windows; run the sensor with --window ${model.meta.windowMs}ms or train a model for ${windowMs} ms windows`;
}

export interface FollowOptions {
  modelsDir: string;
  windowMs: number;
  /** the running detection, or null while there is none (serve --sensor started without a model) */
  detection: () => LiveDetection | null;
  /** starts detection on the first model promoted when there was none */
  begin?: (model: ModelArtifact) => void;
  /** one line per event */
  log: (line: string) => void;
}

/**
 * Follows the models directory's live version (`--model latest`): promoted versions take over
 * between windows, broken ones are refused and the running one kept.
 */
export function followLiveModel(o: FollowOptions): LiveModelWatcher {
  const running = (): string => o.detection()?.model.meta.version ?? 'no model';
  return new LiveModelWatcher({
    modelsDir: o.modelsDir, current: o.detection()?.model.meta.version ?? '',
    check: (m) => windowMismatch(m, o.windowMs),
    onModel: (m) => {
      const detection = o.detection();
      try {
        if (detection === null) {
          o.begin?.(m);
          o.log(`model ${m.meta.version} was promoted; detection starts with it at the next window`);
        } else {
          detection.replace(m);
          o.log(`model ${m.meta.version} was promoted; it takes over from ${detection.model.meta.version} at the next window`);
        }
      } catch (err) {
        o.log(`model ${m.meta.version} was promoted but cannot run here (${(err as Error).message}); keeping ${running()}`);
      }
    },
    onRefused: (version, reason) => o.log(`model ${version} was promoted but is refused (${reason}); keeping ${running()}`),
  }).start();
}

class DetectSink implements RecordSink {
  private failures = 0;
  constructor(
    private readonly engine: LiveDetection,
    private readonly publish: (a: Anomaly) => void,
    private readonly watcher: LiveModelWatcher | null,
  ) {}

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
    this.watcher?.stop();
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
  let engine: LiveDetection;
  const modelsDir = modelsDirFrom(values.models);
  const log = (line: string): void => { process.stderr.write(`spanwatch sensor: ${line}\n`); };
  try {
    const model = await loadModel(values.model, { modelsDir });
    const mismatch = windowMismatch(model, ctx.windowMs);
    if (mismatch !== null) throw new Error(mismatch);
    engine = new LiveDetection(model, { ioc: values.ioc, criticality: values.criticality, sensor: ctx.sensor, calendar: calendarFrom(values, 'sensor', model.meta.baseline.calendar) }, (from, to, at) => {
      log(`detection switched from model ${from} to ${to} at the window of ${new Date(at).toISOString()}`);
    });
  } catch (err) {
    throw new CliError(`sensor --model: ${(err as Error).message}`, 1);
  }
  if (engine.iocRejected.length > 0) {
    process.stderr.write(`spanwatch sensor: --ioc ${values.ioc}: ignored ${engine.iocRejected.length} line(s) that are not an address, CIDR or domain: ${engine.iocRejected.slice(0, 5).join(', ')}\n`);
  }
  const watcher = values.model === 'latest' ? followLiveModel({ modelsDir, windowMs: ctx.windowMs, detection: () => engine, log }) : null;
  return new DetectSink(engine, (a) => ctx.publishAnomaly(a), watcher);
}
