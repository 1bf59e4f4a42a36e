// The `spanwatch` command: dispatches to one module per sub-command under bin/commands/.
import type { ParseArgsConfig } from 'node:util';
import { CliError } from './cliError.ts';
import { applyConfig, locateConfig, readConfig } from './config.ts';

interface CommandModule {
  run(argv: string[]): Promise<number | void>;
  help: string;
  /** the command's flags; when exported, the environment and the config file can set them too */
  options?: NonNullable<ParseArgsConfig['options']>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  sensor: { summary: 'capture (interface or files), aggregate, store, detect', load: () => import('./commands/sensor.ts') },
  stats: { summary: 'totals for capture files (as capinfos/tshark count them)', load: () => import('./commands/stats.ts') },
  train: { summary: 'train a new model version from history, captures or WindowStats', load: () => import('./commands/train.ts') },
  evaluate: { summary: 'evaluate a model on labelled data', load: () => import('./commands/evaluate.ts') },
  generate: { summary: 'generate a labelled dataset (office or enterprise)', load: () => import('./commands/generate.ts') },
  serve: { summary: 'the API, live stream and UI', load: () => import('./commands/serve.ts') },
  user: { summary: 'manage API users and tokens', load: () => import('./commands/user.ts') },
  audit: { summary: 'verify or export the audit log', load: () => import('./commands/audit.ts') },
  demo: { summary: 'everything on this machine on the bundled dataset', load: () => import('./commands/demo.ts') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    'usage: spanwatch <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Run `spanwatch <command> --help` for a command\'s options and examples.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`spanwatch: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const mod = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(mod.help.trimEnd() + '\n');
    return 0;
  }
  const located = locateConfig(rest);
  const config = located.path ? readConfig(located.path) : null;
  const argvWithConfig = mod.options ? applyConfig(name, located.argv, mod.options, config, located.path) : located.argv;
  const code = await mod.run(argvWithConfig);
  return typeof code === 'number' ? code : 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`spanwatch: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`spanwatch: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
