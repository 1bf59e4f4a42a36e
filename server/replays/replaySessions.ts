// Training-mode replays: a dataset run through capture + detection on its own stream channel
// (`replay:<id>`), separate from live data and never written to the store.
import { randomUUID } from 'node:crypto';
import type { ReplayHandle, ReplayRunner } from '../ports.ts';
import type { StreamHub } from '../stream/streamHub.ts';

export interface ReplayInfo {
  id: string;
  dataset: string;
  speed: number;
  channel: string;
  state: 'running' | 'done' | 'stopped' | 'failed';
  windows: number;
  anomalies: number;
  message: string;
}

export class ReplaySessions {
  private readonly sessions = new Map<string, { info: ReplayInfo; handle: ReplayHandle | null }>();

  constructor(private readonly runner: ReplayRunner, private readonly hub: StreamHub, private readonly maxRunning = 2) {}

  running(): number {
    return [...this.sessions.values()].filter((s) => s.info.state === 'running').length;
  }

  async start(dataset: string, speed: number): Promise<ReplayInfo> {
    if (this.running() >= this.maxRunning) throw new Error(`${this.maxRunning} replays are already running; stop one first`);
    const id = randomUUID();
    const channel = `replay:${id}`;
    const info: ReplayInfo = { id, dataset, speed, channel, state: 'running', windows: 0, anomalies: 0, message: '' };
    const entry: { info: ReplayInfo; handle: ReplayHandle | null } = { info, handle: null };
    this.sessions.set(id, entry);
    try {
      entry.handle = await this.runner.start(dataset, speed, {
        window: (data) => { info.windows++; this.hub.publish({ type: 'window', channel, data }); },
        anomaly: (data) => { info.anomalies++; this.hub.publish({ type: 'anomaly', channel, data }); },
      });
    } catch (err) {
      this.sessions.delete(id);
      throw err;
    }
    entry.handle.done.then(
      () => { if (info.state === 'running') info.state = 'done'; },
      (err: unknown) => { info.state = 'failed'; info.message = (err as Error).message ?? String(err); },
    );
    return { ...info };
  }

  get(id: string): ReplayInfo | undefined {
    const s = this.sessions.get(id);
    return s ? { ...s.info } : undefined;
  }

  stop(id: string): ReplayInfo | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.info.state === 'running') {
      s.info.state = 'stopped';
      s.handle?.stop();
    }
    return { ...s.info };
  }

  stopAll(): void {
    for (const id of this.sessions.keys()) this.stop(id);
  }
}
