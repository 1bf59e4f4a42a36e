// Shared option handling for the sub-commands: flags > environment > config file > defaults.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { join } from 'node:path';
import { CliError } from './cliError.ts';
import { automaticWorkers } from '../capture/shards/index.ts';

/** "500ms", "1s", "10s", "1m", "2h", "7d" → milliseconds. */
export function parseDuration(text: string, key: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new CliError(`${key}: '${text}' is not a duration; use e.g. 500ms, 1s, 10s, 1m, 2h or 7d`);
  const unit = m[2] ?? 's';
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  const ms = Number(m[1]) * factor;
  if (!(ms > 0)) throw new CliError(`${key}: the duration must be greater than zero (got '${text}')`);
  return ms;
}

/** "64MB", "512KiB", "1g", "2T", "65536" → bytes (binary multiples: k = 1024 … T = 1024⁴). */
export function parseByteSize(text: string, key: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)$/i.exec(text.trim());
  if (!m) throw new CliError(`${key}: '${text}' is not a size; use e.g. 64MB, 1GiB, 2T or a number of bytes`);
  const factor = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * factor);
}

export function parsePositiveInt(text: string, key: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${key}: '${text}' is not a positive whole number`);
  return n;
}

/** `--workers N|auto` → a number of capture workers (auto or absent: automaticWorkers()). */
export function parseWorkers(text: string | undefined): number {
  if (text === undefined || text === 'auto') return automaticWorkers();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new CliError(`--workers: '${text}' is not a number of capture workers; give 1 to 64, or auto`);
  return n;
}

/** ISO-8601 or milliseconds since the epoch → milliseconds. */
export function parseTime(text: string, key: string): number {
  const t = /^\d+$/.test(text.trim()) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(t)) throw new CliError(`${key}: '${text}' is not a time; use ISO-8601 (2026-11-20T08:00:00Z) or ms since the epoch`);
  return t;
}

/** Repeated and comma-separated values → one list without empty entries. */
export function splitList(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}

/** Parses flags for one sub-command; an unknown or malformed flag names itself and points at --help. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new CliError(`${command}: ${msg}. See \`spanwatch ${command} --help\`.`);
  }
}

/** A value from the flag, else the environment variable, else the default. */
export function fromEnv(flag: string | undefined, envName: string, fallback?: string): string | undefined {
  if (flag !== undefined) return flag;
  const v = process.env[envName];
  if (v !== undefined && v !== '') return v;
  return fallback;
}

/** The models directory: the flag, else SPANWATCH_MODELS, else <var>/models (var = SPANWATCH_VAR or ./var). */
export function modelsDirFrom(flag: string | undefined): string {
  return fromEnv(flag, 'SPANWATCH_MODELS') ?? join(process.env.SPANWATCH_VAR || 'var', 'models');
}
