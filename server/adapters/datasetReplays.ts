// Replays for the UI's training mode: a dataset under <var>/datasets run through the sensor
// runtime (with detection, when a model is available) at the asked speed. Nothing is stored.
import { openFileSource } from '../../capture/index.ts';
import { listDatasets } from '../../datasets/index.ts';
import { SensorRuntime, type WindowDetection } from '../../runtime/index.ts';
import type { DatasetInfo, ReplayHandle, ReplayOutput, ReplayRunner } from '../ports.ts';

/** Detection for one replay (fresh incident state each time), or null to replay windows only. */
export type DetectorFactory = () => Promise<WindowDetection | null>;

export class DatasetReplays implements ReplayRunner {
  constructor(
    private readonly varDir: string,
    private readonly detector: DetectorFactory,
    private readonly onError: (message: string) => void = () => {},
  ) {}

  async datasets(): Promise<DatasetInfo[]> {
    return (await listDatasets(this.varDir)).map((d) => ({ name: d.name, description: d.description, files: d.files.length, labelled: d.labels !== null }));
  }

  async start(dataset: string, speed: number, out: ReplayOutput): Promise<ReplayHandle> {
    const d = (await listDatasets(this.varDir)).find((x) => x.name === dataset);
    if (!d) throw new Error(`no dataset '${dataset}'`);
    const runtime = new SensorRuntime({
      pipeline: { sensor: `replay:${dataset}` },
      detection: await this.detector(),
      outputs: [{ window: (w) => out.window(w), anomaly: (a) => out.anomaly(a), close: async () => {} }],
      log: (line) => this.onError(`replay of ${dataset}: ${line}`),
    });
    const source = openFileSource(d.files, { speed, onFileError: (e) => this.onError(`replay of ${dataset}: ${e.message}`) });
    return { done: runtime.run(source).finally(() => runtime.close()), stop: () => runtime.stop() };
  }
}
