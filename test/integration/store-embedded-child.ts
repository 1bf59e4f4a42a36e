// Child process for store-config.test.ts: joins the embedded influxd on a data dir, reports, exits.
import { startEmbeddedInflux } from '../../store/index.ts';

const influx = await startEmbeddedInflux({ dataDir: process.argv[2]! });
process.stdout.write(`${JSON.stringify({ pid: influx.pid, url: influx.url, reused: influx.reused })}\n`);
