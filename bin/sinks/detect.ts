// The detection stage of the sensor from its flags: the model's engine for the sensor runtime
// (which runs it on every closed window and sends its anomalies to every output), and following
// the live model version.
import { join } from 'node:path';
import { LiveDetection, LiveModelWatcher, loadModel, type ModelArtifact, type SiteCalendar } from '../../model/index.ts';
import type { SensorRuntime } from '../../runtime/index.ts';
import { CliError } from '../cliError.ts';
import { modelsDirFrom } from '../options.ts';
import { CALENDAR_FLAGS, CALENDAR_USAGE, calendarFrom } from '../calendarOptions.ts';

export const detectFlags = {
  model: { type: 'string' },
  models: { type: 'string' },
  ioc: { type: 'string' },
  criticality: { type: 'string' },
  'online-state': { type: 'string' },
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
  --online-state FILE  where what detection learned online since training (domains, networks,
                       fan-out, periodic services) is kept across restarts, tied to the model
                       version (default <var>/online/<sensor>.json; none: not kept)
${CALENDAR_USAGE}`;

export interface DetectValues {
  model?: string;
  models?: string;
  ioc?: string;
  criticality?: string;
  'online-state'?: string;
  timezone?: string;
  holidays?: string;
}

/** The online-learning state file for a sensor: the flag (`none`: not kept), else <var>/online/<sensor>.json. */
export function onlineStatePath(flag: string | undefined, varDir: string, sensor: string): string | undefined {
  if (flag === 'none') return undefined;
  return flag ?? join(varDir, 'online', `${sensor.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
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

/** The sensor's detection: the model's engine, and following the live version with --model latest. */
export interface DetectionStage {
  detection: LiveDetection;
  /** follows the models directory's live version into the runtime (with --model latest; else null) */
  follow(runtime: SensorRuntime<LiveDetection>): LiveModelWatcher | null;
}

/** A LiveDetection for this sensor's options, logging when a promoted model takes over. */
export function liveDetectionFor(
  opts: { sensor: string; ioc?: string; criticality?: string; calendar?: (model: ModelArtifact) => SiteCalendar | undefined; onlineState?: string },
  log: (line: string) => void,
): (model: ModelArtifact) => LiveDetection {
  const onlineState = opts.onlineState === undefined ? undefined : { path: opts.onlineState, log };
  return (model) => new LiveDetection(model, { ioc: opts.ioc, criticality: opts.criticality, sensor: opts.sensor, calendar: opts.calendar?.(model), onlineState }, (from, to, at) => {
    log(`detection switched from model ${from} to ${to} at the window of ${new Date(at).toISOString()}`);
  });
}

/**
 * The detection stage from --model, or null without it. A model that cannot be loaded or does
 * not fit the window length is refused (the sensor does not start).
 */
export async function openDetection(values: DetectValues, ctx: { sensor: string; windowMs: number; log: (line: string) => void }): Promise<DetectionStage | null> {
  if (values.model === undefined) {
    if (values.ioc !== undefined || values.criticality !== undefined) throw new CliError('sensor: --ioc and --criticality need --model');
    return null;
  }
  const modelsDir = modelsDirFrom(values.models);
  const build = liveDetectionFor({
    sensor: ctx.sensor, ioc: values.ioc, criticality: values.criticality,
    calendar: (m) => calendarFrom(values, 'sensor', m.meta.baseline.calendar),
    onlineState: onlineStatePath(values['online-state'], process.env.SPANWATCH_VAR || 'var', ctx.sensor),
  }, ctx.log);
  let detection: LiveDetection;
  try {
    const model = await loadModel(values.model, { modelsDir });
    const mismatch = windowMismatch(model, ctx.windowMs);
    if (mismatch !== null) throw new Error(mismatch);
    detection = build(model);
  } catch (err) {
    throw new CliError(`sensor --model: ${(err as Error).message}`, 1);
  }
  if (detection.iocRejected.length > 0) {
    ctx.log(`--ioc ${values.ioc}: ignored ${detection.iocRejected.length} line(s) that are not an address, CIDR or domain: ${detection.iocRejected.slice(0, 5).join(', ')}`);
  }
  const following = values.model === 'latest';
  return {
    detection,
    follow: (runtime) => following
      ? followLiveModel({ modelsDir, windowMs: ctx.windowMs, detection: () => runtime.detection, begin: (m) => runtime.setDetection(build(m)), log: ctx.log })
      : null,
  };
}
