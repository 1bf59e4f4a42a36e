// What the browser knows from the stream: recent windows and anomalies per channel, sensor health
// and training jobs. Plain data plus one reducer, so the rules are unit-testable without a DOM.
import type {
  Anomaly, Channel, SensorHealth, ServerMessage, TrainingJob, WindowStats,
} from './types.ts';

/** An hour of 1 s windows for one sensor. */
export const MAX_WINDOWS_PER_CHANNEL = 3600;
const MAX_ANOMALIES_PER_CHANNEL = 2000;

export interface ChannelData {
  windows: WindowStats[];
  anomalies: Map<string, Anomaly>;
}

export interface LiveState {
  lastId: number;
  channels: Map<Channel, ChannelData>;
  health: Map<string, SensorHealth>;
  training: Map<string, TrainingJob>;
  /** high/critical anomalies not yet opened by this analyst */
  unseen: Set<string>;
  seen: Set<string>;
  droppedWindows: number;
}

export type Change =
  | { kind: 'window'; channel: Channel }
  | { kind: 'anomaly'; channel: Channel; anomaly: Anomaly; isNew: boolean }
  | { kind: 'status'; channel: Channel; anomalyId: string }
  | { kind: 'health' }
  | { kind: 'training'; job: TrainingJob }
  | { kind: 'resync' }
  | { kind: 'hello' }
  | { kind: 'none' };

export function createLiveState(seen: Set<string> = new Set()): LiveState {
  return { lastId: 0, channels: new Map(), health: new Map(), training: new Map(), unseen: new Set(), seen, droppedWindows: 0 };
}

export function channelData(state: LiveState, channel: Channel): ChannelData {
  let c = state.channels.get(channel);
  if (!c) {
    c = { windows: [], anomalies: new Map() };
    state.channels.set(channel, c);
  }
  return c;
}

function insertWindow(list: WindowStats[], w: WindowStats): void {
  let i = list.length;
  while (i > 0 && list[i - 1].start > w.start) i--;
  const prev = list[i - 1];
  if (prev && prev.start === w.start && prev.sensor === w.sensor) list[i - 1] = w;
  else list.splice(i, 0, w);
  if (list.length > MAX_WINDOWS_PER_CHANNEL) list.splice(0, list.length - MAX_WINDOWS_PER_CHANNEL);
}

const JOB_STAGE: Record<TrainingJob['state'], number> = { queued: 0, running: 1, done: 2, failed: 2 };

/**
 * Records a training job's state. The REST answer that started a job can arrive after stream
 * updates about it, so an older view (earlier stage or less progress) never replaces a newer one.
 */
export function putTrainingJob(state: LiveState, job: TrainingJob): void {
  const known = state.training.get(job.id);
  if (known && (JOB_STAGE[known.state] > JOB_STAGE[job.state]
    || (JOB_STAGE[known.state] === JOB_STAGE[job.state] && known.progress > job.progress))) return;
  state.training.set(job.id, job);
}

/** Adds a window fetched over REST (the stream's windows arrive through applyMessage). */
export function putWindow(state: LiveState, channel: Channel, w: WindowStats): void {
  insertWindow(channelData(state, channel).windows, w);
}

function needsAttention(a: Anomaly): boolean {
  return (a.level === 'high' || a.level === 'critical') && a.status === 'open';
}

/** Adds or updates an anomaly; returns true when it was not known before. */
export function putAnomaly(state: LiveState, channel: Channel, a: Anomaly): boolean {
  const c = channelData(state, channel);
  const isNew = !c.anomalies.has(a.id);
  c.anomalies.set(a.id, a);
  if (needsAttention(a) && !state.seen.has(a.id)) state.unseen.add(a.id);
  if (!needsAttention(a)) state.unseen.delete(a.id);
  if (c.anomalies.size > MAX_ANOMALIES_PER_CHANNEL) {
    const oldest = [...c.anomalies.values()].sort((x, y) => x.detectedAt - y.detectedAt)[0];
    c.anomalies.delete(oldest.id);
    state.unseen.delete(oldest.id);
  }
  return isNew;
}

export function markSeen(state: LiveState, id: string): void {
  state.seen.add(id);
  state.unseen.delete(id);
}

export function applyMessage(state: LiveState, msg: ServerMessage): Change {
  if ('id' in msg && typeof msg.id === 'number') state.lastId = Math.max(state.lastId, msg.id);
  switch (msg.type) {
    case 'hello':
      // a server that restarted counts from 1 again: resume from its numbering from now on
      if (msg.lastId < state.lastId) state.lastId = msg.lastId;
      return { kind: 'hello' };
    case 'window':
      insertWindow(channelData(state, msg.channel).windows, msg.data);
      return { kind: 'window', channel: msg.channel };
    case 'anomaly': {
      const isNew = putAnomaly(state, msg.channel, msg.data);
      return { kind: 'anomaly', channel: msg.channel, anomaly: msg.data, isNew };
    }
    case 'anomaly-status': {
      const c = channelData(state, msg.channel);
      const a = c.anomalies.get(msg.anomalyId);
      if (a) putAnomaly(state, msg.channel, { ...a, status: msg.status });
      return { kind: 'status', channel: msg.channel, anomalyId: msg.anomalyId };
    }
    case 'health':
      state.health.set(msg.sensor, msg.data);
      return { kind: 'health' };
    case 'training':
      putTrainingJob(state, msg.job);
      return { kind: 'training', job: state.training.get(msg.job.id) ?? msg.job };
    case 'dropped':
      state.droppedWindows += msg.windows;
      return { kind: 'none' };
    case 'resync':
      return { kind: 'resync' };
    default:
      return { kind: 'none' };
  }
}

/** Anomalies of a channel, newest first (by detection time, then start). */
export function anomaliesNewestFirst(state: LiveState, channel: Channel): Anomaly[] {
  const c = state.channels.get(channel);
  if (!c) return [];
  return [...c.anomalies.values()].sort((a, b) => b.detectedAt - a.detectedAt || b.start - a.start);
}

/**
 * The data's "now": the end of the newest window or finding the page holds for a channel. Views
 * anchor their time ranges here, not to the wall clock, so a replayed day of older traffic is
 * navigable like a live one.
 */
export function dataTime(state: LiveState, channel: Channel): number | undefined {
  const c = state.channels.get(channel);
  if (!c) return undefined;
  const last = c.windows[c.windows.length - 1];
  let t = last ? last.start + last.durationMs : -Infinity;
  for (const a of c.anomalies.values()) if (a.end > t) t = a.end;
  return Number.isFinite(t) ? t : undefined;
}
