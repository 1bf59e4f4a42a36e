// Validation of everything a sensor sends after auth: the envelope {type, seq, data} and the
// record inside it, against the strict record schemas (server/recordSchemas.ts). Compiled once per
// process with the same validator fastify uses (ajv), without type coercion: a string where a
// number belongs is refused, not converted.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { WindowStats } from '../../capture/index.ts';
import type { Anomaly } from '../../model/index.ts';
import type { SensorHealth } from '../protocol.ts';
import { RECORD_SCHEMAS } from '../recordSchemas.ts';

export type IngestRecord =
  | { type: 'window'; seq: number; data: WindowStats }
  | { type: 'anomaly'; seq: number; data: Anomaly }
  | { type: 'health'; seq: number; data: SensorHealth };

export type Validation = { ok: true; record: IngestRecord } | { ok: false; seq: number | null; message: string };

const envelope = (type: string, dataRef: string) => ({
  type: 'object',
  additionalProperties: false,
  required: ['type', 'seq', 'data'],
  properties: {
    type: { type: 'string', const: type },
    seq: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    data: { $ref: `${dataRef}#` },
  },
});

const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false, removeAdditional: false, strict: true });
for (const s of RECORD_SCHEMAS) ajv.addSchema(s);
const VALIDATORS: Record<IngestRecord['type'], ValidateFunction> = {
  window: ajv.compile(envelope('window', 'WindowStatsRecord')),
  anomaly: ajv.compile(envelope('anomaly', 'AnomalyRecord')),
  health: ajv.compile(envelope('health', 'SensorHealthRecord')),
};

function describe(e: ErrorObject): string {
  const at = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'record';
  const p = e.params as { additionalProperty?: string; allowedValues?: unknown[]; missingProperty?: string };
  if (p.additionalProperty !== undefined) return `${at} has an unknown field '${p.additionalProperty.slice(0, 64)}'`;
  if (p.allowedValues) return `${at} must be one of ${p.allowedValues.join(', ')}`;
  return `${at} ${e.message ?? 'is invalid'}`;
}

const seqOf = (m: Record<string, unknown>): number | null =>
  typeof m.seq === 'number' && Number.isSafeInteger(m.seq) && m.seq >= 1 ? m.seq : null;

/** Checks one parsed message; a refusal names the first field that is wrong. */
export function validateIngestMessage(msg: unknown): Validation {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return { ok: false, seq: null, message: 'a record must be a JSON object {type, seq, data}' };
  }
  const m = msg as Record<string, unknown>;
  const type = m.type;
  if (type !== 'window' && type !== 'anomaly' && type !== 'health') {
    return { ok: false, seq: seqOf(m), message: `type must be window, anomaly or health (got ${typeof type === 'string' ? `'${type.slice(0, 32)}'` : typeof type})` };
  }
  const validate = VALIDATORS[type];
  if (validate(m)) return { ok: true, record: m as unknown as IngestRecord };
  return { ok: false, seq: seqOf(m), message: `refused ${type} record: ${describe(validate.errors![0]!)}` };
}
