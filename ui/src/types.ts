// The server's records as the browser sees them (types only: nothing from these modules is bundled).
export type { WindowStats, Direction, CaptureHealth, LocalHostStats, RemoteEndpointStats } from '../../capture/index.ts';
export type { AnomalyKind, AnomalyStatus, SeverityLevel, Contribution } from '../../model/index.ts';
export type {
  AnalystAction, AnomalyView as Anomaly, AuditEntry, Channel, ClientMessage, Role, SensorHealth, ServerMessage, TrainingJob,
} from '../../server/protocol.ts';
export type { Resolution } from '../../store/index.ts';
