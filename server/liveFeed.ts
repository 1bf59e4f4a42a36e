// The way records enter the server — from the ingest socket or from an in-process sensor: every
// window and anomaly goes to the stream, anomalies through suppression, the book and alerting.
// A sensor the registry forgets (unseen for a day) is forgotten by every per-sensor map behind the
// feed; ingest asks the registry to admit a sensor before handing its records here.
import type { WindowStats } from '../capture/index.ts';
import type { Anomaly, AnomalyStatus } from '../model/index.ts';
import type { AlertDispatcher } from './alerts/alertDispatcher.ts';
import type { AnomalyBook } from './anomalies/anomalyBook.ts';
import type { AddressNames } from './evidence/addressNames.ts';
import type { IncidentRecord } from './anomalies/incidentBook.ts';
import type { SuppressionStore } from './anomalies/suppressionStore.ts';
import type { RecentHistory } from './history/recentHistory.ts';
import type { SensorRegistry } from './ingest/sensorRegistry.ts';
import type { AnomalyView, SensorHealth } from './protocol.ts';
import { LIVE_CHANNEL, type StreamHub } from './stream/streamHub.ts';

/** a sensor's health goes out on the stream at most this often (wall clock), derived from its windows */
const HEALTH_EVERY_MS = 5_000;

export class LiveFeed {
  private readonly healthSentAt = new Map<string, number>();
  windowsIn = 0;
  anomaliesIn = 0;
  healthIn = 0;

  constructor(
    private readonly hub: StreamHub,
    private readonly book: AnomalyBook,
    private readonly suppressions: SuppressionStore,
    private readonly alerts: AlertDispatcher,
    private readonly sensors: SensorRegistry,
    private readonly recent: RecentHistory,
    private readonly names: AddressNames,
    /** a new finding reopened a resolved incident: the change is audited and announced */
    private readonly onReopened: (incident: IncidentRecord, from: AnomalyStatus, anomalyId: string) => void = () => undefined,
  ) {
    sensors.onForget((sensor) => {
      this.healthSentAt.delete(sensor);
      recent.forget(sensor);
      hub.forgetSensor(sensor);
    });
  }

  window(w: WindowStats): void {
    this.windowsIn++;
    this.recent.addWindow(w);
    this.names.learn(w);
    const health = this.sensors.noteWindow(w);
    this.hub.publish({ type: 'window', channel: LIVE_CHANNEL, data: w });
    const now = Date.now();
    if (now - (this.healthSentAt.get(w.sensor) ?? 0) >= HEALTH_EVERY_MS) {
      this.healthSentAt.set(w.sensor, now);
      this.hub.publish({ type: 'health', channel: LIVE_CHANNEL, sensor: w.sensor, data: health });
    }
  }

  anomaly(a: Anomaly): AnomalyView {
    this.anomaliesIn++;
    a = this.named(a);
    const suppression = this.suppressions.match(a);
    const { view, reopened } = this.book.upsert(a, suppression?.id);
    if (reopened) this.onReopened(reopened.incident, reopened.from, a.id);
    this.sensors.noteModel(a.sensor, a.modelVersion);
    this.hub.publish({ type: 'anomaly', channel: LIVE_CHANNEL, data: view });
    // a finding of an incident the analysts closed (seen again after a restart or replay) is not news
    if (view.status !== 'false-positive' && view.status !== 'resolved') this.alerts.consider(view);
    return view;
  }

  /** The anomaly with the names the server knows for its subject: passive DNS for the remote (when the sensor gave none), the asset name for the local host. */
  private named(a: Anomaly): Anomaly {
    const remoteName = a.subject.remote !== undefined && a.subject.remoteName === undefined ? this.names.nameOf(a.subject.remote) : undefined;
    const localName = a.subject.localHost !== undefined && a.subject.localName === undefined ? this.names.assetName(a.subject.localHost) : undefined;
    if (remoteName === undefined && localName === undefined) return a;
    return { ...a, subject: { ...a.subject, ...(remoteName !== undefined ? { remoteName } : {}), ...(localName !== undefined ? { localName } : {}) } };
  }

  health(h: SensorHealth): void {
    this.healthIn++;
    this.sensors.noteHealth(h);
    this.hub.publish({ type: 'health', channel: LIVE_CHANNEL, sensor: h.sensor, data: h });
  }

  /** a RecordSink view, for a sensor running in the same process */
  asSink(): { window(w: WindowStats): void; anomaly(a: Anomaly): void; close(): Promise<void> } {
    return { window: (w) => this.window(w), anomaly: (a) => { this.anomaly(a); }, close: async () => {} };
  }
}
