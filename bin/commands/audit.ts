// `spanwatch audit`: verify the hash chain of the audit log, or export an anomaly's case file.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAuditText, verifyAuditText } from '../../server/index.ts';
import { CliError } from '../cliError.ts';
import { parseFlags } from '../options.ts';

export const help = `usage: spanwatch audit verify [--file FILE]
       spanwatch audit export --anomaly ID [--server URL --token T] [--file FILE]

verify   checks the audit log's hash chain and reports the first line that was edited, removed or
         reordered (line number, seq, what is wrong). Exit status 0 when intact, 1 when not.
         Removing the newest lines cannot be seen from the file alone: compare the entry count
         with an earlier verify (or a copy kept elsewhere).
export   writes the case file of one anomaly as JSON to stdout. With --server (and a token of role
         analyst or admin, or env SPANWATCH_TOKEN) it asks the running server for the full case
         (evidence, related windows, audit entries); without, it exports the audit entries about the
         anomaly from the log file.

options:
  --file FILE      the audit log (default <var>/audit.log)
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
  var: { type: 'string' },
  anomaly: { type: 'string' },
  server: { type: 'string' },
  token: { type: 'string' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('audit', argv, options, true);
  const file = values.file ?? join(resolve(values.var ?? (process.env.SPANWATCH_VAR || 'var')), 'audit.log');
  const verb = positionals[0];
  if (verb === 'verify') {
    if (!existsSync(file)) throw new CliError(`audit verify: ${file} does not exist; give --file or --var`, 1);
    const r = verifyAuditText(readFileSync(file, 'utf8'));
    if (r.ok) {
      process.stdout.write(`${file}: intact, ${r.entries} entries\n`);
      return 0;
    }
    const bad = r.firstBad!;
    process.stdout.write(`${file}: BROKEN at line ${bad.line} (seq ${bad.seq ?? '?'}): ${bad.problem}; the ${r.entries} entries before it are intact\n`);
    return 1;
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
    const text = readFileSync(file, 'utf8');
    const entries = parseAuditText(text).filter((e) => e.target === `anomaly:${values.anomaly}`);
    process.stdout.write(JSON.stringify({ exportedAt: new Date().toISOString(), anomalyId: values.anomaly, audit: entries, auditChain: verifyAuditText(text) }, null, 2) + '\n');
    return 0;
  }
  throw new CliError(`audit: expected verify or export${verb ? ` (got '${verb}')` : ''}. See \`spanwatch audit --help\`.`);
}
