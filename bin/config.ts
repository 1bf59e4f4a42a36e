// Configuration precedence: flags > environment (SPANWATCH_<COMMAND>_<FLAG>, SPANWATCH_<FLAG>,
// INFLUX_URL) > config file > defaults.
// The config file is JSON with comments (spanwatch.jsonc): one section per sub-command plus a
// shared `common` section, keys spelled like the flags. Values from the environment and the file
// are turned into flags for the sub-command, so each command validates them with one parser.
import { existsSync, readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { CliError } from './cliError.ts';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
type ConfigValue = string | number | boolean | Array<string | number>;
export type ConfigFile = Record<string, Record<string, ConfigValue>>;

const DEFAULT_PATHS = ['spanwatch.jsonc', '/etc/spanwatch/spanwatch.jsonc'];

/** Removes // and /* *\/ comments outside strings, so the file can carry its own documentation. */
export function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else {
      out += c;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

/** Finds the config file: --config FILE, then SPANWATCH_CONFIG, then ./spanwatch.jsonc, /etc/spanwatch/. */
export function locateConfig(argv: string[]): { path: string | null; argv: string[] } {
  const rest: string[] = [];
  let path: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') path = argv[++i] ?? null;
    else if (a.startsWith('--config=')) path = a.slice('--config='.length);
    else rest.push(a);
  }
  if (path !== null && !existsSync(path)) throw new CliError(`--config: ${path} does not exist`);
  path ??= process.env.SPANWATCH_CONFIG || DEFAULT_PATHS.find((p) => existsSync(p)) || null;
  return { path, argv: rest };
}

export function readConfig(path: string): ConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripJsonComments(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new CliError(`${path}: not valid JSON with comments (${(err as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError(`${path}: expected an object with one section per command, e.g. { "sensor": { "window": "1s" } }`);
  }
  for (const [section, body] of Object.entries(parsed)) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new CliError(`${path}: section '${section}' must be an object of flag names to values`);
    }
  }
  return parsed as ConfigFile;
}

function envName(...parts: string[]): string {
  return 'SPANWATCH_' + parts.map((p) => p.toUpperCase().replace(/-/g, '_')).join('_');
}

const BOOLEAN_TEXT = /^(true|false|1|0)$/;

/**
 * SPANWATCH_<COMMAND>_<FLAG> first, then SPANWATCH_<FLAG> (and INFLUX_URL for --influx). The
 * command-wide name is shared by every command with that flag, so where one command's text flag
 * is another's switch (`sensor --sensor NAME`, `serve --sensor`), a value that is not a boolean is
 * left to the command it was meant for.
 */
function environmentValue(command: string, flag: string, spec: OptionSpecs[string]): { name: string; value: string } | null {
  const specific = envName(command, flag);
  if (process.env[specific]) return { name: specific, value: process.env[specific]! };
  const shared = envName(flag);
  const value = process.env[shared] || (flag === 'influx' ? process.env.INFLUX_URL : undefined);
  if (!value) return null;
  if (spec.type === 'boolean' && !BOOLEAN_TEXT.test(value)) return null;
  return { name: process.env[shared] ? shared : 'INFLUX_URL', value };
}

function toFlags(flag: string, spec: OptionSpecs[string], value: ConfigValue, where: string): string[] {
  if (spec.type === 'boolean') {
    if (value === true || value === 'true' || value === '1') return [`--${flag}`];
    if (value === false || value === 'false' || value === '0' || value === '') return [];
    throw new CliError(`${where}: '${flag}' is a switch; expected true or false, got ${JSON.stringify(value)}`);
  }
  const values = Array.isArray(value) ? value : [value];
  if (values.length > 1 && !spec.multiple) {
    throw new CliError(`${where}: '${flag}' takes one value, got a list`);
  }
  const out: string[] = [];
  for (const v of values) {
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw new CliError(`${where}: '${flag}' expects text or a number, got ${JSON.stringify(v)}`);
    }
    out.push(`--${flag}`, String(v));
  }
  return out;
}

/**
 * Returns argv with flags added from the environment and the config file for every option the
 * command declares and the command line did not set. Unknown keys in the command's section are
 * errors that name the key and the file.
 */
export function applyConfig(command: string, argv: string[], options: OptionSpecs, config: ConfigFile | null, configPath: string | null): string[] {
  const given = new Set<string>();
  for (const a of argv) {
    if (a === '--') break;
    if (!a.startsWith('--')) continue;
    const name = a.slice(2).split('=')[0]!;
    given.add(name);
    // `--no-store` on the command line also settles a `store` key, and the other way round
    given.add(name.startsWith('no-') ? name.slice(3) : `no-${name}`);
  }
  const extra: string[] = [];
  const section = config?.[command] ?? {};
  const common = config?.common ?? {};
  for (const key of Object.keys(section)) {
    if (!(key in options)) {
      const known = Object.keys(options).sort().join(', ');
      throw new CliError(`${configPath}: unknown key '${command}.${key}'; '${command}' accepts: ${known}`);
    }
  }
  for (const [flag, spec] of Object.entries(options)) {
    if (given.has(flag) || flag === 'help') continue;
    const env = environmentValue(command, flag, spec);
    if (env) {
      const value = spec.multiple ? env.value.split(',').map((s) => s.trim()).filter(Boolean) : env.value;
      extra.push(...toFlags(flag, spec, value, `environment ${env.name}`));
    } else if (flag in section) {
      extra.push(...toFlags(flag, spec, section[flag]!, `${configPath} ${command}.${flag}`));
    } else if (flag in common) {
      extra.push(...toFlags(flag, spec, common[flag]!, `${configPath} common.${flag}`));
    }
  }
  return [...extra, ...argv];
}
