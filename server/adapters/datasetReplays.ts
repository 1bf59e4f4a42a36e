// Replays for the UI's training mode: a dataset under <var>/datasets run through the capture
// pipeline (and detection, when a model is available) at the asked speed. Nothing is stored.
import { CapturePipeline, openFileSource, type WindowStats } from '../../capture/index.ts';
import { listDatasets } from '../../datasets/index.ts';
import type { Anomaly } from '../../model/index.ts';
import type { DatasetInfo, ReplayHandle, ReplayOutput, ReplayRunner } from '../ports.ts';

/** Detection for one replay (fresh incident state each time), or null to replay windows only. */
export type DetectorFactory = () => Promise<((w: WindowStats) => Anomaly[]) | null>;

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
    const detect = await this.detector();
    let detectionFailed = false;
    const pipeline = new CapturePipeline({ sensor: `replay:${dataset}` }, (w) => {
      out.window(w);
      if (!detect || detectionFailed) return;
      try {
        for (const a of detect(w)) out.anomaly(a);
      } catch (err) {
        detectionFailed = true;
        this.onError(`replay of ${dataset}: detection stopped: ${(err as Error).message}`);
      }
    });
    const source = openFileSource(d.files, { speed, onFileError: (e) => this.onError(`replay of ${dataset}: ${e.message}`) });
    return { done: pipeline.run(source), stop: () => pipeline.stop() };
  }
}
