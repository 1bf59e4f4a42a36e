// Capture files → WindowStats, as fast as they can be read (training and evaluation input).
import { openFileSource } from './io/index.ts';
import { CapturePipeline } from './pipeline.ts';
import type { WindowStats } from './windowStats.ts';

/** Runs capture files through the capture pipeline, handing each window to `onWindow`. */
export async function windowsFromCaptures(
  paths: string[],
  opts: { windowMs: number; localNets?: string[]; sensor: string },
  onWindow: (w: WindowStats) => void,
): Promise<void> {
  const pipeline = new CapturePipeline({ sensor: opts.sensor, windowMs: opts.windowMs, localNets: opts.localNets }, onWindow);
  await pipeline.run(openFileSource(paths, { speed: 'max' }));
}
