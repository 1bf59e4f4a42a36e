// Child process for server-lastResort.test.ts: a server (as `spanwatch serve` starts it, logging
// warnings and errors as JSON lines on stdout) whose process then meets an exception thrown in a
// timer and an unhandled rejection, as a bug in any handler would cause.
import { startServer } from '../../server/index.ts';

const [varDir] = process.argv.slice(2);
const srv = await startServer({ varDir: varDir!, uiDir: null, port: 0, announceToken: () => {}, logger: { level: 'warn' } });
process.stderr.write(`listening on ${srv.url}\n`);
setTimeout(() => { throw new Error('boom in a timer'); }, 50);
setTimeout(() => { void Promise.reject(new Error('boom in a promise')); }, 60);
