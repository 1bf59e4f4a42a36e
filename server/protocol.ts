// The live stream's wire protocol and the shapes the REST API returns, shared by the server and
// the browser app. Documented in the README ("API" and "Live stream").
import type { CaptureHealth, WindowStats } from '../capture/index.ts';
import type { AnalystRule, Anomaly, AnomalyKind, AnomalyStatus, SeverityLevel } from '../model/index.ts';

/** viewer < analyst < admin for the API; `sensor` is a machine account that may only ingest. */
export type Role = 'viewer' | 'analyst' | 'admin' | 'sensor';
export const ROLES: readonly Role[] = ['viewer', 'analyst', 'admin', 'sensor'];

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

// ---- sensor → server ingest (WebSocket `/api/v1/ingest`, token of role `sensor`) ----

/** First message of an ingest connection. */
export interface IngestAuthMessage {
  type: 'auth';
  token: string;
  /** random per sensor process: sequence numbers are unique within one session */
  session: string;
}

/** A record from a sensor; `seq` increases by one per record within the session. */
export type IngestRecordMessage =
  | { type: 'window'; seq: number; data: WindowStats }
  | { type: 'anomaly'; seq: number; data: Anomaly }
  | { type: 'health'; seq: number; data: SensorHealth };

/** The server's reply: everything up to and including `seq` is accepted (cumulative). */
export interface IngestAckMessage { type: 'ack'; seq: number }
/** Sent once after auth: the highest seq the server already holds for this session (0 = none). */
export interface IngestReadyMessage { type: 'ready'; seq: number }
/**
 * A record the server refused (it was not taken; the connection goes on). `reason`: malformed,
 * invalid (schema), sensor (the token is not bound to that sensor name), capacity (too many
 * sensors), failed (the server could not handle it).
 */
export interface IngestErrorMessage { type: 'error'; seq?: number; reason: string; message: string }

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
  /** the incident whose status changed; one message goes out for each of its findings */
  incidentId?: string;
  status: AnomalyStatus;
  user: string;
  /** `reopen`: the server reopened a resolved incident because a new finding joined it (user `system`) */
  action: AnalystAction | 'reopen';
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

/** An anomaly as the server returns it: the model's record plus the analyst workflow around it. */
export interface AnomalyView extends Anomaly {
  /** the incident this finding belongs to; `status` and `assignee` are the incident's */
  incidentId?: string;
  /** id of the active suppression that matched when the anomaly arrived (no alert was sent) */
  suppressedBy?: string;
  /** the analyst it is assigned to */
  assignee?: string;
}

/** One event: related findings (same host, remote or domain, overlapping in time), with the analyst status. */
export interface IncidentView {
  id: string;
  sensor: string;
  status: AnomalyStatus;
  assignee?: string;
  /** event time span of its findings (ms) */
  start: number;
  end: number;
  /** true while any finding is still growing */
  ongoing: boolean;
  /** the most severe finding's, raised by corroborating kinds (docs/model.md, "Severity") */
  severity: number;
  level: SeverityLevel;
  /** distinct kinds of its findings, the headline's first */
  kinds: AnomalyKind[];
  /** local hosts and remotes named by its findings */
  hosts: string[];
  remotes: string[];
  domains: string[];
  /** the most severe finding: what the feed row shows */
  headline: AnomalyView;
  /** how many findings it holds (all of them are listed by GET /incidents/:id) */
  findings: number;
  /** wall-clock ms when its first finding was detected */
  detectedAt: number;
}

export interface IncidentPage {
  incidents: IncidentView[];
  nextCursor?: string;
}

export interface AnomalyPage {
  anomalies: AnomalyView[];
  /** pass as `cursor` for the next page; absent on the last page */
  nextCursor?: string;
}

/**
 * A suppression is an analyst rule (model/analystRules.ts): scope host / remote / prefix / domain /
 * kind (all given fields must match), reason, expiry, and the anomaly whose false-positive verdict
 * proposed it.
 */
export type Suppression = AnalystRule;

export interface AuditVerifyResult {
  ok: boolean;
  entries: number;
  /** the first line that is not what the chain says it should be */
  firstBad?: { line: number; seq: number | null; problem: string };
  /** the seq from which entries carry an HMAC (null: the log has no key yet, every entry is unkeyed) */
  keyedFrom: number | null;
  /** whether the HMACs were checked (false when the key file could not be read) */
  macsChecked: boolean;
  /** the checkpoint the end of the log was checked against (truncation), when one was available */
  anchor: AuditAnchor | null;
  /** torn last lines found at open and kept aside (from the audit.repair entries) */
  repairs: { seq: number; bytes: number; sideFile: string }[];
  /** plain-language remarks: migration from the unkeyed chain, what could not be checked */
  notes: string[];
}

/** A checkpoint of the audit log kept outside it (InfluxDB, syslog): the head at a moment. */
export interface AuditAnchor {
  /** the ledger's id (from its key file), so that anchors of several servers never mix */
  ledger: string;
  seq: number;
  hash: string;
  /** ms since the epoch */
  at: number;
}

export interface AuditEntry {
  seq: number;
  time: string;
  user: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  prevHash: string;
  /** SHA-256 of the entry (unkeyed entries) or its HMAC-SHA256 under the audit key (alg hmac-sha256) */
  hash: string;
  /** absent on entries written before the log was keyed */
  alg?: 'hmac-sha256';
}
