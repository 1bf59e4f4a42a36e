// Follows the models directory's LIVE pointer for a running sensor: when another version is
// promoted (or rolled back to), it is loaded in the background and handed over; a version that
// cannot be loaded or cannot run here is refused, once, and the running one is kept.
import { join } from 'node:path';
import { liveVersion, loadModel } from './artifactStore.ts';
import type { ModelArtifact } from './modelArtifact.ts';

export interface LiveModelWatcherOptions {
  modelsDir: string;
  /** the version running now */
  current: string;
  /** how often the pointer is read (default 2 s) */
  intervalMs?: number;
  /** why a loaded version cannot run here (e.g. another window length), or null */
  check?: (artifact: ModelArtifact) => string | null;
  onModel: (artifact: ModelArtifact) => void;
  onRefused: (version: string, reason: string) => void;
}

export class LiveModelWatcher {
  private current: string;
  /** the last version refused: not tried again until the pointer names another one */
  private refused: string | null = null;
  private loading = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: LiveModelWatcherOptions) {
    this.current = opts.current;
  }

  start(): this {
    this.timer ??= setInterval(() => void this.poll(), this.opts.intervalMs ?? 2000);
    // a sensor that is done must not be kept alive by this
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads the pointer once and loads a new live version; resolves when done (tests call it directly). */
  async poll(): Promise<void> {
    if (this.loading) return;
    let version: string | null;
    try {
      version = liveVersion(this.opts.modelsDir);
    } catch {
      return; // the pointer is being replaced: read it on the next tick
    }
    if (version === null || version === this.current) {
      if (version === this.current) this.refused = null;
      return;
    }
    if (version === this.refused) return;
    this.loading = true;
    try {
      const artifact = await loadModel(join(this.opts.modelsDir, version), { modelsDir: this.opts.modelsDir });
      const why = this.opts.check?.(artifact) ?? null;
      if (why !== null) {
        this.refused = version;
        this.opts.onRefused(version, why);
        return;
      }
      this.current = version;
      this.refused = null;
      this.opts.onModel(artifact);
    } catch (err) {
      this.refused = version;
      this.opts.onRefused(version, (err as Error).message);
    } finally {
      this.loading = false;
    }
  }
}
