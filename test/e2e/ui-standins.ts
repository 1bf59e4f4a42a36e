// The server's model registry and replay runner for the browser tests, built on the real model
// training and the scenario's real windows and anomalies (the production wiring lives in bin/).
import type { ModelRegistry, ModelVersionInfo, ReplayRunner } from '../../server/index.ts';
import { DetectionEngine, trainModel, type ModelArtifact } from '../../model/index.ts';
import { CapturePipeline, openFileSource } from '../../capture/index.ts';
import { SENSOR, type Scenario } from './ui-scenario.ts';

/** How many incident windows an engine flags, and how many normal windows it flags (false alarms). */
function evaluate(scenario: Scenario, version: ModelArtifact): Record<string, number> {
  const engine = new DetectionEngine(version);
  let flaggedIncident = 0;
  let falseAlarms = 0;
  scenario.windows.forEach((w, i) => {
    const found = engine.process(w).length > 0;
    if (!found) return;
    if (i >= scenario.incidentStart && i < scenario.incidentStart + 10) flaggedIncident++;
    else if (i < scenario.incidentStart) falseAlarms++;
  });
  return { incidentWindowsFlagged: flaggedIncident, falseAlarms };
}

/** Versions held in memory, the scenario's model live; retraining runs the real training on the scenario's normal windows. */
export function scenarioRegistry(scenario: Scenario): ModelRegistry & { versions: ModelVersionInfo[] } {
  const versions: ModelVersionInfo[] = [{
    version: scenario.modelVersion, createdAt: new Date().toISOString(), live: true, metrics: evaluate(scenario, scenario.model), maturity: 0.1,
  }];
  const artifacts = new Map<string, ModelArtifact>([[scenario.modelVersion, scenario.model]]);
  const history: string[] = [];
  const setLive = (v: string): void => { for (const m of versions) m.live = m.version === v; };
  return {
    versions,
    async list() { return versions.map((v) => ({ ...v })); },
    async train(req, onProgress) {
      const windows = scenario.windows.filter((w) => w.start >= req.from && w.start < req.to && w.start < scenario.windows[scenario.incidentStart]!.start);
      const model = await trainModel(windows, {
        seed: 2, epochs: 4, minWindows: 300,
        onProgress: (p) => onProgress(p.phase === 'training' && p.total ? 0.2 + 0.7 * (p.done / p.total) : p.phase === 'done' ? 1 : 0.1, `${p.phase} ${p.done}${p.total ? `/${p.total}` : ''}`),
      });
      const version = `${model.meta.version}-retrained`;
      artifacts.set(version, model);
      versions.push({ version, createdAt: new Date().toISOString(), live: false, metrics: evaluate(scenario, model), maturity: 0.1 });
      return { version };
    },
    async promote(version) {
      if (!versions.some((v) => v.version === version)) throw new Error(`no model version ${version}`);
      const live = versions.find((v) => v.live);
      if (live) history.push(live.version);
      setLive(version);
    },
    async liveModel() {
      const live = versions.find((v) => v.live);
      return live ? artifacts.get(live.version) ?? null : null;
    },
    async rollback() {
      const previous = history.pop();
      if (!previous) throw new Error('no earlier live version to roll back to');
      setLive(previous);
      return { version: previous };
    },
  };
}


export const DRILL_DATASET = 'incident-drill';

/** Replays the drill capture through the capture pipeline and the live model at the asked speed. */
export function scenarioReplays(scenario: Scenario): ReplayRunner {
  return {
    async datasets() {
      return [{ name: DRILL_DATASET, description: 'outbound burst with an HTML-laden DNS name', files: 1, labelled: true }];
    },
    async start(dataset, speed, out) {
      if (dataset !== DRILL_DATASET) throw new Error(`no dataset ${dataset}`);
      const engine = new DetectionEngine(scenario.model);
      const pipeline = new CapturePipeline({ sensor: SENSOR, windowMs: 1000 }, (w) => {
        out.window(w);
        for (const a of engine.process(w)) out.anomaly(a);
      });
      const done = pipeline.run(openFileSource([scenario.drillPath], { speed })).then(() => {
        for (const a of engine.finish()) out.anomaly(a);
      });
      return { done, stop: () => pipeline.stop() };
    },
  };
}
