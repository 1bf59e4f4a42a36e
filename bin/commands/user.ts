// `spanwatch user`: add, list and remove API users. Tokens are printed once and stored hashed.
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { AuditLog, UserStore, isRole } from '../../server/index.ts';
import { CliError } from '../cliError.ts';
import { parseDuration, parseFlags } from '../options.ts';

function expiryFrom(text: string | undefined): Date | undefined {
  return text === undefined ? undefined : new Date(Date.now() + parseDuration(text, '--expires'));
}

export const help = `usage: spanwatch user add NAME --role viewer|analyst|admin|sensor [--expires D] [--sensor S]...
       spanwatch user rotate NAME [--expires D]
       spanwatch user list
       spanwatch user remove NAME

Manages the API users in <var>/users.json (only SHA-256 hashes of tokens are kept there).
\`add\` prints the new token once; adding an existing name replaces its token and role (the old
token stops working). \`rotate\` gives a user a new token, printed once, and keeps its role and
sensors. A running \`spanwatch serve\` sees every change within a second: the old token is refused
and the user's open stream and ingest sockets close (4401 "token revoked: …"). Every change is
written to the audit log.

roles:
  viewer    read everything, follow the live stream
  analyst   viewer + act on anomalies (acknowledge, escalate, resolve, comment, assign), replays
  admin     analyst + models, suppressions, users
  sensor    machine account for \`spanwatch sensor --server\`: may only push data

options:
  --role R      the role for \`add\`
  --expires D   the token stops working after D (e.g. 90d, 12h); default never
  --sensor S    (role sensor) the sensor name this token may send as; repeatable
  --var DIR     where users.json and audit.log live (default ./var, env SPANWATCH_VAR)

examples:
  spanwatch user add alice --role analyst
  spanwatch user add span1 --role sensor --sensor span1 --expires 365d
  spanwatch user rotate alice --expires 90d
  spanwatch user remove alice
`;

export const options = {
  role: { type: 'string' },
  expires: { type: 'string' },
  sensor: { type: 'string', multiple: true },
  var: { type: 'string' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('user', argv, options, true);
  const [verb, name, ...extra] = positionals;
  const varDir = resolve(values.var ?? (process.env.SPANWATCH_VAR || 'var'));
  if (extra.length > 0) throw new CliError(`user: unexpected '${extra.join(' ')}'. See \`spanwatch user --help\`.`);
  let users: UserStore;
  try {
    users = new UserStore(join(varDir, 'users.json'));
  } catch (err) {
    throw new CliError(`user: ${(err as Error).message}`, 1);
  }
  const audit = new AuditLog(join(varDir, 'audit.log'), { warn: (m) => process.stderr.write(`spanwatch user: ${m}\n`) });
  const actor = `cli:${userInfo().username}`;
  switch (verb) {
    case 'add': {
      if (!name) throw new CliError('user add: give a NAME, e.g. `spanwatch user add alice --role analyst`');
      if (!values.role || !isRole(values.role)) throw new CliError(`user add: --role must be viewer, analyst, admin or sensor${values.role ? ` (got '${values.role}')` : ''}`);
      if (values.sensor && values.role !== 'sensor') throw new CliError('user add: --sensor binds a token of role sensor; give --role sensor');
      const expiresAt = expiryFrom(values.expires);
      let token: string;
      try {
        token = users.add(name, values.role, { expiresAt, sensors: values.sensor });
      } catch (err) {
        throw new CliError(`user add: ${(err as Error).message}`);
      }
      await audit.append({
        user: actor, action: 'user.add', target: `user:${name}`,
        details: { role: values.role, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}), ...(values.sensor ? { sensors: values.sensor } : {}) },
      });
      process.stdout.write(`${token}\n`);
      process.stderr.write(`user '${name}' (${values.role}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}): the token above is shown only now; store it safely.\n`);
      return 0;
    }
    case 'rotate': {
      if (!name) throw new CliError('user rotate: give the NAME whose token to replace');
      if (values.sensor || values.role) throw new CliError('user rotate: only --expires applies; to change role or sensors use `user add`');
      const expiresAt = expiryFrom(values.expires);
      const token = users.rotate(name, { expiresAt });
      if (token === null) throw new CliError(`user rotate: no user '${name}' in ${join(varDir, 'users.json')}`, 1);
      const after = users.get(name);
      await audit.append({ user: actor, action: 'user.rotate', target: `user:${name}`, details: after?.expiresAt ? { expiresAt: after.expiresAt } : {} });
      process.stdout.write(`${token}\n`);
      process.stderr.write(`user '${name}': new token above, shown only now; the old one no longer works${after?.expiresAt ? ` (expires ${after.expiresAt})` : ''}.\n`);
      return 0;
    }
    case 'list': {
      for (const u of users.list()) {
        const expiry = u.expiresAt ? `${Date.parse(u.expiresAt) <= Date.now() ? 'EXPIRED' : 'expires'} ${u.expiresAt}` : '';
        const extra = [expiry, u.sensors ? `sensors ${u.sensors.join(',')}` : ''].filter(Boolean).join('  ');
        process.stdout.write(`${u.name.padEnd(24)} ${u.role.padEnd(8)} ${u.createdAt}${extra ? `  ${extra}` : ''}\n`);
      }
      return 0;
    }
    case 'remove': {
      if (!name) throw new CliError('user remove: give the NAME to remove');
      if (!users.remove(name)) throw new CliError(`user remove: no user '${name}' in ${join(varDir, 'users.json')}`, 1);
      await audit.append({ user: actor, action: 'user.remove', target: `user:${name}`, details: {} });
      process.stderr.write(`user '${name}' removed; its token no longer works.\n`);
      return 0;
    }
    default:
      throw new CliError(`user: expected add, rotate, list or remove${verb ? ` (got '${verb}')` : ''}. See \`spanwatch user --help\`.`);
  }
}
