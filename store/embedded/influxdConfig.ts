// The influxd.conf an embedded instance runs with: loopback only, no phoning home, data under one dir.

export interface InfluxdConfigInput {
  dataDir: string;
  httpPort: number;
  /** the RPC (backup/restore) port; influxd binds :8088 otherwise, which clashes between instances */
  rpcPort: number;
  /** how often the continuous-query service wakes up; tests shorten it */
  cqRunInterval?: string;
  authEnabled?: boolean;
}

function tomlString(s: string): string {
  return JSON.stringify(s);
}

export function influxdConfig(c: InfluxdConfigInput): string {
  return [
    'reporting-disabled = true',
    `bind-address = ${tomlString(`127.0.0.1:${c.rpcPort}`)}`,
    '',
    '[meta]',
    `  dir = ${tomlString(`${c.dataDir}/meta`)}`,
    '',
    '[data]',
    `  dir = ${tomlString(`${c.dataDir}/data`)}`,
    `  wal-dir = ${tomlString(`${c.dataDir}/wal`)}`,
    '  query-log-enabled = false',
    '',
    '[http]',
    '  enabled = true',
    `  bind-address = ${tomlString(`127.0.0.1:${c.httpPort}`)}`,
    `  auth-enabled = ${c.authEnabled ? 'true' : 'false'}`,
    '  log-enabled = false',
    '',
    '[monitor]',
    '  store-enabled = false',
    '',
    '[continuous_queries]',
    '  enabled = true',
    `  run-interval = ${tomlString(c.cqRunInterval ?? '1s')}`,
    '  log-enabled = false',
    '',
    '[logging]',
    '  level = "warn"',
    '',
  ].join('\n');
}
