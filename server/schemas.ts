// Shared JSON Schemas: registered once with addSchema, referenced by $ref from every route.
import { ANOMALY_KINDS, ANOMALY_STATUSES, SEVERITY_LEVELS } from '../model/index.ts';
import { ANALYST_ACTIONS, ROLES } from './protocol.ts';
import { RESOLUTION_CHOICES } from './ports.ts';
import { RECORD_SCHEMAS } from './recordSchemas.ts';

const looseObject = { type: 'object', additionalProperties: true } as const;

export const SHARED_SCHEMAS = [
  // the strict records a sensor sends to /api/v1/ingest (documented here with the API's shapes)
  ...RECORD_SCHEMAS,
  {
    $id: 'Error',
    type: 'object',
    properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
  },
  { $id: 'WindowStats', ...looseObject, properties: { sensor: { type: 'string' }, start: { type: 'number' }, durationMs: { type: 'number' } } },
  {
    $id: 'Anomaly',
    type: 'object',
    additionalProperties: true,
    properties: {
      id: { type: 'string' }, sensor: { type: 'string' }, kind: { type: 'string' }, start: { type: 'number' },
      end: { type: 'number' }, level: { type: 'string', enum: [...SEVERITY_LEVELS] }, severity: { type: 'number' },
      status: { type: 'string', enum: [...ANOMALY_STATUSES] }, summary: { type: 'string' },
      suppressedBy: { type: 'string' }, assignee: { type: 'string' }, incidentId: { type: 'string' },
    },
  },
  {
    $id: 'Incident',
    type: 'object',
    additionalProperties: true,
    properties: {
      id: { type: 'string' }, sensor: { type: 'string' }, status: { type: 'string', enum: [...ANOMALY_STATUSES] },
      assignee: { type: 'string' }, start: { type: 'number' }, end: { type: 'number' }, ongoing: { type: 'boolean' },
      severity: { type: 'number' }, level: { type: 'string', enum: [...SEVERITY_LEVELS] },
      kinds: { type: 'array', items: { type: 'string' } }, hosts: { type: 'array', items: { type: 'string' } },
      remotes: { type: 'array', items: { type: 'string' } }, domains: { type: 'array', items: { type: 'string' } },
      headline: { $ref: 'Anomaly#' }, findings: { type: 'integer' }, detectedAt: { type: 'number' },
    },
  },
  {
    $id: 'AuditEntry',
    type: 'object',
    properties: {
      seq: { type: 'integer' }, time: { type: 'string' }, user: { type: 'string' }, action: { type: 'string' },
      target: { type: 'string' }, details: looseObject, prevHash: { type: 'string' }, hash: { type: 'string' }, alg: { type: 'string' },
    },
  },
  {
    $id: 'AuditVerify',
    type: 'object',
    properties: {
      ok: { type: 'boolean' }, entries: { type: 'integer' },
      firstBad: { type: 'object', properties: { line: { type: 'integer' }, seq: { type: ['integer', 'null'] }, problem: { type: 'string' } } },
      keyedFrom: { type: ['integer', 'null'] }, macsChecked: { type: 'boolean' },
      anchor: { type: ['object', 'null'], properties: { ledger: { type: 'string' }, seq: { type: 'integer' }, hash: { type: 'string' }, at: { type: 'number' } } },
      repairs: { type: 'array', items: { type: 'object', properties: { seq: { type: 'integer' }, bytes: { type: 'integer' }, sideFile: { type: 'string' } } } },
      notes: { type: 'array', items: { type: 'string' } },
    },
  },
  {
    $id: 'SensorHealth',
    type: 'object',
    properties: {
      sensor: { type: 'string' }, lastSeen: { type: 'number' }, packetsPerSecond: { type: 'number' },
      health: looseObject, storeBacklog: { type: 'number' }, modelVersion: { type: ['string', 'null'] },
    },
  },
  {
    $id: 'TrainingJob',
    type: 'object',
    properties: {
      id: { type: 'string' }, state: { type: 'string' }, progress: { type: 'number' }, message: { type: 'string' },
      version: { type: 'string' }, startedAt: { type: 'number' }, finishedAt: { type: 'number' },
    },
  },
  {
    $id: 'Suppression',
    type: 'object',
    properties: {
      id: { type: 'string' },
      scope: {
        type: 'object',
        properties: { host: { type: 'string' }, remote: { type: 'string' }, prefix: { type: 'string' }, domain: { type: 'string' }, kind: { type: 'string' } },
      },
      reason: { type: 'string' }, expiresAt: { type: 'number' }, createdBy: { type: 'string' }, createdAt: { type: 'number' },
      anomalyId: { type: 'string' },
    },
  },
  {
    $id: 'User',
    type: 'object',
    properties: {
      name: { type: 'string' }, role: { type: 'string', enum: [...ROLES] }, createdAt: { type: 'string' },
      expiresAt: { type: 'string' }, rotatedAt: { type: 'string' }, sensors: { type: 'array', items: { type: 'string' } },
    },
  },
  {
    $id: 'Replay',
    type: 'object',
    properties: {
      id: { type: 'string' }, dataset: { type: 'string' }, speed: { type: 'number' }, channel: { type: 'string' },
      state: { type: 'string' }, windows: { type: 'integer' }, anomalies: { type: 'integer' }, incidents: { type: 'integer' }, message: { type: 'string' },
    },
  },
];

export const ref = (id: string): { $ref: string } => ({ $ref: `${id}#` });

/** The error responses every authenticated route can give. */
export const authErrors = { 401: ref('Error'), 403: ref('Error'), 429: ref('Error') };

export const timeRange = {
  from: { type: 'integer', minimum: 0, description: 'ms since the epoch (inclusive)' },
  to: { type: 'integer', minimum: 0, description: 'ms since the epoch (exclusive)' },
} as const;

/** The body of an analyst action, on a finding or on an incident. */
export const actionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  properties: {
    action: { type: 'string', enum: [...ANALYST_ACTIONS] },
    note: { type: 'string', maxLength: 4000 },
    assignee: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

export const ENUMS = {
  resolution: [...RESOLUTION_CHOICES],
  status: [...ANOMALY_STATUSES],
  level: [...SEVERITY_LEVELS],
  kind: [...ANOMALY_KINDS],
  action: [...ANALYST_ACTIONS],
  role: [...ROLES],
};

/** Names of hosts, sensors and ids in paths and queries: printable, bounded. */
export const nameString = { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f]*$' } as const;
