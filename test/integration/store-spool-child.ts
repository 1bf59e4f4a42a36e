// Child process for store-faults.test.ts: a writer that accepts windows while InfluxDB is down,
// reports once all of them are in its spool, then waits to be SIGKILLed.
import { InfluxWriter, parseInfluxUrl } from '../../store/index.ts';
import { faultPoints } from './store-faultWindows.ts';

const [url, database, spoolDir, startText, fromText, countText] = process.argv.slice(2);
const start = Number(startText);
const from = Number(fromText);
const count = Number(countText);

const writer = new InfluxWriter({
  endpoint: parseInfluxUrl(url!), database: database!, retentionPolicies: { raw: 'raw', events: 'events' },
  spoolDir: spoolDir!, batchSize: 700, backoffBaseMs: 50, backoffMaxMs: 200, log: () => {},
});
let expected = 0;
for (let i = from; i < from + count; i++) {
  const pts = faultPoints(start, i);
  expected += pts.length;
  writer.write(pts);
}
void writer.flush(100);
const timer = setInterval(() => {
  const c = writer.counters;
  if (c.spooled === expected) {
    process.stdout.write(`${JSON.stringify({ ready: true, ...c })}\n`);
    clearInterval(timer);
    setInterval(() => {}, 60_000);
  }
}, 20);
