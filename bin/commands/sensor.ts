// `spanwatch sensor`: capture from an interface or files through the sensor runtime, with the
// outputs and detection its flags ask for.
import { hostname } from 'node:os';
import {
  CaptureFileError, LiveCaptureError, openFileSource, openLiveSource, parseSpeed, type PacketSource,
} from '../../capture/index.ts';
import { AUTOMATIC_WORKERS_RULE } from '../../capture/shards/index.ts';
import type { LiveDetection } from '../../model/index.ts';
import { SensorRuntime } from '../../runtime/index.ts';
import { CliError } from '../cliError.ts';
import { parseByteSize, parseDuration, parseFlags, parsePositiveInt, parseWorkers, splitList } from '../options.ts';
import type { RecordSink } from '../sinks.ts';
import { JsonlSink } from '../sinks/jsonl.ts';
import { openServerSink } from '../sinks/server.ts';
import { openStoreSink, storeFlags, storeHelp } from '../sinks/store.ts';
import { detectFlags, detectHelp, openDetection } from '../sinks/detect.ts';
import { EvidenceSink, evidenceFlags, evidenceHelp, evidenceSettings } from '../sinks/evidence.ts';
import { defaultVarDir } from '../sinks/store.ts';

export const help = `usage: spanwatch sensor (--pcap FILE... | --interface IF) [options] [FILE...]

Captures packets, cuts them into windows on packet time and writes one WindowStats record per window.

input (one of):
  --pcap FILE          capture file (pcap or pcapng, detected by content); repeatable, - = stdin;
                       file names after the options count too
  --interface IF       live capture on IF through libpcap (needs root or CAP_NET_RAW)
  --bpf EXPR           pcap-filter expression (live capture)
  --snaplen N          bytes kept per packet (live, default 262144)
  --no-promiscuous     capture only traffic addressed to this host (live; a SPAN port needs promiscuous)
  --buffer SIZE        kernel capture buffer, e.g. 64MB (live, default 64MB)
  --speed S            file replay speed: max (default), realtime, or a multiplier such as 10
  --workers N          capture threads, each counting its shard of the traffic (default auto:
                       ${AUTOMATIC_WORKERS_RULE}); the records are the same for any N

aggregation:
  --window DURATION    window length on packet time (default 1s; e.g. 500ms, 10s, 1m)
  --local-net CIDR,... local networks (default RFC 1918, RFC 4193, link-local, loopback); repeatable
  --sensor NAME        sensor name in every record (default: this host's name)

output:
  --jsonl OUT          JSON lines, one {"type":"window","data":{...}} per window; - = stdout
  --server URL         forward windows and anomalies to a spanwatch server (e.g. http://10.0.0.2:8080)
  --server-token T     a token of role sensor (or env SPANWATCH_SENSOR_TOKEN)

${storeHelp}

${detectHelp}

${evidenceHelp}

Ctrl-C (SIGINT) or SIGTERM stops the capture, emits the windows still open and closes the outputs.
Exit status: 0 on success, 1 when a capture file was damaged (the rest is still read), 2 on bad usage.

examples:
  spanwatch sensor --pcap office.pcapng --jsonl windows.jsonl
  spanwatch sensor --interface eth1 --bpf 'not port 22' --window 10s --jsonl -
  spanwatch sensor --speed realtime --jsonl - day1.pcap day2.pcap
`;

/** The sensor's flags. Modules adding a sink add their flags here. */
export const options = {
  pcap: { type: 'string', multiple: true },
  interface: { type: 'string' },
  bpf: { type: 'string' },
  snaplen: { type: 'string' },
  buffer: { type: 'string' },
  'no-promiscuous': { type: 'boolean' },
  speed: { type: 'string' },
  workers: { type: 'string' },
  window: { type: 'string' },
  'local-net': { type: 'string', multiple: true },
  sensor: { type: 'string' },
  jsonl: { type: 'string' },
  server: { type: 'string' },
  'server-token': { type: 'string' },
  ...storeFlags,
  ...detectFlags,
  ...evidenceFlags,
} as const;

type SensorValues = ReturnType<typeof parseSensorFlags>['values'];

function parseSensorFlags(argv: string[]) {
  return parseFlags('sensor', argv, options, true);
}

/** The sensor's outputs from its flags, in the order they receive records and close. */
async function openOutputs(values: SensorValues, sensor: string, evidence: EvidenceSink | null): Promise<RecordSink[]> {
  const outputs: RecordSink[] = [];
  if (values.jsonl !== undefined) {
    const jsonl = await JsonlSink.open(values.jsonl);
    evidence?.onRecord((r) => jsonl.evidence(r));
    outputs.push(jsonl);
  }
  if (values.server !== undefined) outputs.push(openServerSink(values.server, values['server-token']));
  if (!values['no-store']) outputs.push(await openStoreSink(values, sensor));
  // the evidence stage closes (writing its last pcaps) before the outputs it reports to
  if (evidence) outputs.unshift(evidence);
  return outputs;
}

function openSource(values: SensorValues, files: string[], onDamage: (err: CaptureFileError) => void): PacketSource {
  if (values.interface !== undefined) {
    try {
      return openLiveSource({
        iface: values.interface,
        bpf: values.bpf,
        snaplen: values.snaplen !== undefined ? parsePositiveInt(values.snaplen, '--snaplen') : undefined,
        bufferBytes: values.buffer !== undefined ? parseByteSize(values.buffer, '--buffer') : undefined,
        promiscuous: values['no-promiscuous'] !== true,
      });
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`--interface ${values.interface}: ${(err as Error).message}`, 1);
    }
  }
  let speed;
  try {
    speed = parseSpeed(values.speed ?? 'max');
  } catch (err) {
    throw new CliError(`--speed: ${(err as Error).message}`);
  }
  return openFileSource(files, {
    speed,
    onFileError: onDamage,
    onFileNotice: (message) => process.stderr.write(`spanwatch sensor: note: ${message}\n`),
  });
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseSensorFlags(argv);
  const files = [...(values.pcap ?? []), ...positionals];
  if (values.interface !== undefined && files.length > 0) {
    throw new CliError('sensor: give either --interface or capture files, not both');
  }
  if (values.interface === undefined && files.length === 0) {
    throw new CliError('sensor: nothing to read; give --pcap FILE (or - for stdin) or --interface IF. See `spanwatch sensor --help`.');
  }
  if (values.interface === undefined) {
    const liveOnly = (['bpf', 'snaplen', 'buffer', 'no-promiscuous'] as const).filter((k) => values[k] !== undefined);
    if (liveOnly.length > 0) {
      throw new CliError(
        `sensor: --${liveOnly[0]} applies to live capture (--interface); to filter a file, pipe it through tcpdump: tcpdump -r FILE -w - 'EXPR' | spanwatch sensor --pcap - …`,
      );
    }
  }
  const windowMs = parseDuration(values.window ?? '1s', '--window');
  const workers = parseWorkers(values.workers);
  const sensor = values.sensor ?? hostname();
  const localNets = splitList(values['local-net']);
  const log = (line: string): void => { process.stderr.write(`spanwatch sensor: ${line}\n`); };
  const evidenceConfig = evidenceSettings(values, defaultVarDir());
  if (values.model === undefined && (['evidence-window', 'evidence-max', 'evidence-dir', 'evidence-disk'] as const).some((k) => values[k] !== undefined)) {
    throw new CliError('sensor: the --evidence-* flags need --model (evidence is kept for anomalies)');
  }
  const stage = await openDetection(values, { sensor, windowMs, log });
  const evidence = stage !== null && evidenceConfig !== null ? new EvidenceSink(evidenceConfig, windowMs, log) : null;
  let damaged = 0;
  let liveError: LiveCaptureError | null = null;
  const source = openSource(values, files, (err) => {
    damaged++;
    log(err.message);
  });
  const outputs = await openOutputs(values, sensor, evidence);
  if (outputs.length === 0) {
    throw new CliError('sensor: no output; give --jsonl FILE (or - for stdout). See `spanwatch sensor --help`.');
  }
  let runtime: SensorRuntime<LiveDetection>;
  try {
    runtime = new SensorRuntime<LiveDetection>({
      pipeline: { sensor, windowMs, localNets, ...(evidence ? { packetRing: evidence.ring } : {}) },
      workers,
      detection: stage?.detection ?? null,
      outputs,
      log,
    });
  } catch (err) {
    await Promise.all(outputs.map((o) => o.close()));
    throw new CliError(`sensor: ${(err as Error).message}`);
  }
  evidence?.attach(runtime.names);
  const watcher = stage?.follow(runtime) ?? null;
  const stop = (): void => runtime.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stderr.write(`spanwatch sensor: capturing on ${source.live ? 'interface ' : ''}${source.name} as sensor '${sensor}' (${windowMs} ms windows, ${workers} capture worker${workers === 1 ? '' : 's'})\n`);
  try {
    await runtime.run(source);
  } catch (err) {
    // the windows before the failure have been emitted and are written when the sinks close
    if (err instanceof LiveCaptureError) liveError = err;
    else if (err instanceof CaptureFileError) {
      damaged++;
      log(err.message);
    } else throw err;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    watcher?.stop();
    await runtime.close();
    if (runtime.counters.detectionFailures > 0) log(`detection failed on ${runtime.counters.detectionFailures} window(s); ${runtime.counters.windowsWithoutDetection} window(s) were not scored`);
    // a stopped read from stdin leaves the stream open, which would keep the process alive
    if (files.includes('-')) process.stdin.destroy();
  }
  if (liveError !== null) throw new CliError(`sensor: --interface ${liveError.iface}: ${liveError.message}`, 1);
  return damaged > 0 ? 1 : 0;
}
