// Training-mode replays: a dataset run through capture + detection on its own stream channel
// (`replay:<id>`), separate from live data and never written to the store. Each replay has an
// incident book of its own, kept in memory: its findings are grouped into incidents exactly as
// live findings are, and go out on the channel carrying their incident, while the live book and
// its analyst statuses stay untouched.
import { randomUUID } from 'node:crypto';
import { AnomalyBook } from '../anomalies/anomalyBook.ts';
import { IncidentBook } from '../anomalies/incidentBook.ts';
import { groupByIncident, incidentViews } from '../anomalies/incidentViews.ts';
import type { ReplayHandle, ReplayRunner } from '../ports.ts';
import type { IncidentView } from '../protocol.ts';
import type { StreamHub } from '../stream/streamHub.ts';

export interface ReplayInfo {
  id: string;
  dataset: string;
  speed: number;
  channel: string;
  state: 'running' | 'done' | 'stopped' | 'failed';
  windows: number;
  /** finding updates received */
  anomalies: number;
  /** incidents they form */
  incidents: number;
  message: string;
}

interface Session {
  info: ReplayInfo;
  handle: ReplayHandle | null;
  book: AnomalyBook;
}

const newestFirst = (a: IncidentView, b: IncidentView): number => b.start - a.start || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export class ReplaySessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly runner: ReplayRunner, private readonly hub: StreamHub, private readonly maxRunning = 2) {}

  running(): number {
    return [...this.sessions.values()].filter((s) => s.info.state === 'running').length;
  }

  async start(dataset: string, speed: number): Promise<ReplayInfo> {
    if (this.running() >= this.maxRunning) throw new Error(`${this.maxRunning} replays are already running; stop one first`);
    const id = randomUUID();
    const channel = `replay:${id}`;
    const info: ReplayInfo = { id, dataset, speed, channel, state: 'running', windows: 0, anomalies: 0, incidents: 0, message: '' };
    const entry: Session = { info, handle: null, book: new AnomalyBook(new IncidentBook(null)) };
    this.sessions.set(id, entry);
    try {
      entry.handle = await this.runner.start(dataset, speed, {
        window: (data) => { info.windows++; this.hub.publish({ type: 'window', channel, data }); },
        anomaly: (data) => {
          info.anomalies++;
          const { view } = entry.book.upsert(data);
          info.incidents = entry.book.incidents.all().length;
          this.hub.publish({ type: 'anomaly', channel, data: view });
        },
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

  /** The replay's incidents, newest first by event time; undefined for an unknown replay. */
  incidents(id: string): IncidentView[] | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    return incidentViews(groupByIncident(s.book.all()), (incidentId) => s.book.incidents.get(incidentId)).sort(newestFirst);
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
