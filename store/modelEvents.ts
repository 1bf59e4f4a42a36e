// Training and promotion events, kept next to the anomalies they explain.
import { subMsOffset, type StorePoint } from './point.ts';

export type ModelEventKind = 'training-started' | 'training-finished' | 'training-failed' | 'promoted' | 'rolled-back';
export const MODEL_EVENT_KINDS: readonly ModelEventKind[] = [
  'training-started', 'training-finished', 'training-failed', 'promoted', 'rolled-back',
];

export interface ModelEvent {
  /** wall-clock ms */
  at: number;
  kind: ModelEventKind;
  modelVersion: string;
  /** the sensor the model serves, or '' for all */
  sensor: string;
  summary: string;
  /** anything else worth keeping (training range, metrics); stored as JSON */
  detail: Record<string, unknown>;
}

export function modelEventToPoint(e: ModelEvent): StorePoint {
  return {
    measurement: 'model_events',
    tags: { kind: e.kind },
    fields: { modelVersion: e.modelVersion, sensor: e.sensor, summary: e.summary, detail: JSON.stringify(e.detail) },
    time: e.at,
    subMsNs: subMsOffset(`${e.modelVersion}\u0000${e.summary}`),
  };
}

export function pointToModelEvent(p: StorePoint): ModelEvent {
  const f = p.fields;
  let detail: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(typeof f.detail === 'string' ? f.detail : '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) detail = parsed as Record<string, unknown>;
  } catch {
    detail = {};
  }
  const kind = MODEL_EVENT_KINDS.includes(p.tags.kind as ModelEventKind) ? (p.tags.kind as ModelEventKind) : 'training-finished';
  return {
    at: p.time,
    kind,
    modelVersion: typeof f.modelVersion === 'string' ? f.modelVersion : '',
    sensor: typeof f.sensor === 'string' ? f.sensor : '',
    summary: typeof f.summary === 'string' ? f.summary : '',
    detail,
  };
}
