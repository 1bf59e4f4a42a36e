// The live stream's wire protocol and the shapes the REST API returns, shared by the server and
// the browser app. Documented in the README ("API" and "Live stream").
import type { CaptureHealth, WindowStats } from '../capture/index.ts';
import type { Anomaly, AnomalyStatus } from '../model/index.ts';

export type Role = 'viewer' | 'analyst' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'analyst', 'admin'];

/** `live` for the sensors' traffic; `replay:<id>` for a training replay of a stored dataset. */
export type Channel = string;

// ---- client → server (WebSocket text frames, JSON) ----

/** Must be the first message on a new connection; the token never goes in the URL. */
export interface AuthMessage {
  type: 'auth';
  token: string;
  /** the last stream id this client saw: the server sends what it missed, then goes live */
  lastId?: number;
  /** only these sensors (default: all) */
  sensors?: string[];
  /** deliver at most one window per sensor per this many ms (down-sampling; default: every window) */
  windowEveryMs?: number;
  /** channels to follow (default ['live']) */
  channels?: Channel[];
}

export type ClientMessage = AuthMessage | { type: 'subscribe'; channels: Channel[] };

// ---- server → client ----

interface Envelope {
  /** strictly increasing per server; used to resume after a reconnect */
  id: number;
  channel: Channel;
}

export interface HelloMessage { type: 'hello'; user: string; role: Role; serverTime: number; lastId: number }
export interface WindowMessage extends Envelope { type: 'window'; data: WindowStats }
/** a new anomaly, or an update of an ongoing incident (same data.id) */
export interface AnomalyMessage extends Envelope { type: 'anomaly'; data: Anomaly }
export interface AnomalyStatusMessage extends Envelope {
  type: 'anomaly-status';
  anomalyId: string;
  status: AnomalyStatus;
  user: string;
  action: AnalystAction;
  note?: string;
  assignee?: string;
  at: number;
}
export interface HealthMessage extends Envelope {
  type: 'health';
  sensor: string;
  data: SensorHealth;
}
export interface TrainingMessage extends Envelope { type: 'training'; job: TrainingJob }
/** windows were skipped because this client fell behind (anomalies are never skipped) */
export interface DroppedMessage { type: 'dropped'; windows: number }
/** the resume point is older than the server's buffer: reload state over REST */
export interface ResyncMessage { type: 'resync'; reason: string }
export interface ErrorMessage { type: 'error'; message: string }

export type ServerMessage =
  | HelloMessage
  | WindowMessage
  | AnomalyMessage
  | AnomalyStatusMessage
  | HealthMessage
  | TrainingMessage
  | DroppedMessage
  | ResyncMessage
  | ErrorMessage;

/** WebSocket close codes the server uses. */
export const CLOSE_CODES = {
  unauthorized: 4401,
  forbidden: 4403,
  authTimeout: 4408,
  tooSlow: 4429,
  badMessage: 4400,
} as const;

// ---- REST shapes ----

export type AnalystAction = 'acknowledge' | 'escalate' | 'false-positive' | 'resolve' | 'comment' | 'assign';
export const ANALYST_ACTIONS: readonly AnalystAction[] = [
  'acknowledge', 'escalate', 'false-positive', 'resolve', 'comment', 'assign',
];

export interface SensorHealth {
  sensor: string;
  /** wall-clock ms of the last window received */
  lastSeen: number;
  packetsPerSecond: number;
  health: CaptureHealth;
  storeBacklog: number;
  modelVersion: string | null;
}

export interface TrainingJob {
  id: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  /** 0 … 1 */
  progress: number;
  message: string;
  version?: string;
  startedAt: number;
  finishedAt?: number;
}

export interface AuditEntry {
  seq: number;
  time: string;
  user: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}
