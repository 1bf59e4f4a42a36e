// `spanwatch audit`: verify the hash chain of the audit log, or export an anomaly's case file.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AuditLog, type AuditAnchor } from '../../server/index.ts';
import { connectStore, latestAuditAnchor, startEmbeddedInflux, type EmbeddedInflux } from '../../store/index.ts';
import { CliError } from '../cliError.ts';
import { parseFlags } from '../options.ts';

export const help = `usage: spanwatch audit verify [--file FILE] [--key FILE] [--anchor SEQ:HASH | --influx URL | --no-store]
       spanwatch audit export --anomaly ID [--server URL --token T] [--file FILE]

verify   checks the audit log's chain (HMAC-SHA256 under <var>/audit.key; entries written before
         the log was keyed are checked with the older SHA-256 rule, and the output says so) and
         reports the first entry that was edited, forged without the key, removed, reordered or
         torn (line number, seq, what is wrong). The end of the log is checked against the latest
         anchor (seq and hash that serve writes to InfluxDB and syslog every few minutes): a log
         that ends before it, or differs there, was truncated or rewritten. A torn last line (a
         crash mid-append) is moved to <log>.torn and recorded first. Exit status 0 when intact,
         1 when not.
export   writes the case file of one anomaly as JSON to stdout. With --server (and a token of role
         analyst or admin, or env SPANWATCH_TOKEN) it asks the running server for the full case
         (evidence, related windows, audit entries); without, it exports the audit entries about the
         anomaly from the log file.

options:
  --file FILE      the audit log (default <var>/audit.log)
  --key FILE       the audit key (default audit.key beside the log)
  --anchor SEQ:HASH  an anchor to check the end against (e.g. from the syslog message audit-anchor)
  --influx URL     read the latest anchor from this InfluxDB (default: the embedded one under
                   <var>/influxdb when it exists); --influx-db NAME (default spanwatch)
  --no-store       do not look for anchors in InfluxDB
  --var DIR        default ./var (env SPANWATCH_VAR)
  --anomaly ID     the anomaly to export
  --server URL     a running spanwatch server, e.g. http://127.0.0.1:8080
  --token T        bearer token for --server

examples:
  spanwatch audit verify
  spanwatch audit export --anomaly 5f0c… --server http://127.0.0.1:8080 > case.json
`;

export const options = {
  file: { type: 'string' },
  key: { type: 'string' },
  anchor: { type: 'string' },
  influx: { type: 'string' },
  'influx-db': { type: 'string' },
  'no-store': { type: 'boolean' },
  var: { type: 'string' },
  anomaly: { type: 'string' },
  server: { type: 'string' },
  token: { type: 'string' },
} as const;

type AuditValues = ReturnType<typeof parseFlags<typeof options>>['values'];

/** The anchor to check the end of the log against: given, or the latest in InfluxDB. */
async function findAnchor(values: AuditValues, varDir: string, log: AuditLog): Promise<AuditAnchor | null> {
  if (values.anchor !== undefined) {
    const m = /^(\d+):([0-9a-f]{64})$/.exec(values.anchor);
    if (!m) throw new CliError(`audit verify: --anchor must be SEQ:HASH (the seq and 64-hex hash of an audit-anchor message), got '${values.anchor}'`);
    return { ledger: '', seq: Number(m[1]), hash: m[2]!, at: Date.now() };
  }
  if (values['no-store']) return null;
  const url = values.influx ?? (process.env.INFLUX_URL || undefined);
  if (url === undefined && !existsSync(join(varDir, 'influxdb'))) return null;
  let embedded: EmbeddedInflux | undefined;
  try {
    if (url === undefined) embedded = await startEmbeddedInflux({ dataDir: join(varDir, 'influxdb') });
    const conn = await connectStore({ url: url ?? embedded!.url, database: values['influx-db'] ?? 'spanwatch', createDatabase: false, manageRetention: false });
    return await latestAuditAnchor(conn, log.ledger());
  } catch (err) {
    throw new CliError(`audit verify: reading the latest anchor: ${(err as Error).message} (give --anchor SEQ:HASH or --no-store)`, 1);
  } finally {
    await embedded?.stop();
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('audit', argv, options, true);
  const varDir = resolve(values.var ?? (process.env.SPANWATCH_VAR || 'var'));
  const file = values.file ?? join(varDir, 'audit.log');
  const verb = positionals[0];
  if (verb === 'verify') {
    if (!existsSync(file)) throw new CliError(`audit verify: ${file} does not exist; give --file or --var`, 1);
    const log = new AuditLog(file, values.key ? { keyFile: resolve(values.key) } : {});
    const anchor = await findAnchor(values, varDir, log);
    const r = await log.verify(anchor);
    const keyed = r.keyedFrom === null ? 'unkeyed' : `keyed from seq ${r.keyedFrom}${r.macsChecked ? '' : ', HMACs NOT checked'}`;
    const end = r.anchor ? `, end checked against the anchor at seq ${r.anchor.seq} (${new Date(r.anchor.at).toISOString()})` : '';
    if (r.ok) process.stdout.write(`${file}: intact, ${r.entries} entries (${keyed}${end})\n`);
    else {
      const bad = r.firstBad!;
      process.stdout.write(`${file}: BROKEN at line ${bad.line} (seq ${bad.seq ?? '?'}): ${bad.problem}; the ${r.entries} entries before it are intact\n`);
    }
    for (const rep of r.repairs) process.stdout.write(`repaired: a torn line of ${rep.bytes} bytes was kept aside in ${rep.sideFile} (seq ${rep.seq})\n`);
    for (const note of r.notes) process.stdout.write(`note: ${note}\n`);
    return r.ok ? 0 : 1;
  }
  if (verb === 'export') {
    if (!values.anomaly) throw new CliError('audit export: give --anomaly ID');
    if (values.server) {
      const token = values.token ?? process.env.SPANWATCH_TOKEN;
      if (!token) throw new CliError('audit export: --server needs --token (or env SPANWATCH_TOKEN)');
      const url = `${values.server.replace(/\/$/, '')}/api/v1/anomalies/${encodeURIComponent(values.anomaly)}/case`;
      let res: Response;
      try {
        res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      } catch (err) {
        throw new CliError(`audit export: cannot reach ${values.server}: ${(err as Error).message}`, 1);
      }
      const body = await res.text();
      if (!res.ok) throw new CliError(`audit export: the server answered ${res.status}: ${body}`, 1);
      process.stdout.write(body.endsWith('\n') ? body : body + '\n');
      return 0;
    }
    if (!existsSync(file)) throw new CliError(`audit export: ${file} does not exist; give --file, --var or --server`, 1);
    const log = new AuditLog(file, values.key ? { keyFile: resolve(values.key) } : {});
    const auditChain = await log.verify();
    const entries = (await log.entries({ target: `anomaly:${values.anomaly}` }));
    process.stdout.write(JSON.stringify({ exportedAt: new Date().toISOString(), anomalyId: values.anomaly, audit: entries, auditChain }, null, 2) + '\n');
    return 0;
  }
  throw new CliError(`audit: expected verify or export${verb ? ` (got '${verb}')` : ''}. See \`spanwatch audit --help\`.`);
}
