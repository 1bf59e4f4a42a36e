// `spanwatch sensor`: capture from an interface or files, cut WindowStats, hand them to the sinks.
import { hostname } from 'node:os';
import {
  CaptureFileError, CapturePipeline, LiveCaptureError, openFileSource, openLiveSource, parseSpeed,
  type PacketSource, type WindowStats,
} from '../../capture/index.ts';
import type { Anomaly } from '../../model/index.ts';
import { CliError } from '../cliError.ts';
import { parseByteSize, parseDuration, parseFlags, parsePositiveInt, splitList } from '../options.ts';
import type { RecordSink } from '../sinks.ts';
import { JsonlSink } from '../sinks/jsonl.ts';
import { openServerSink } from '../sinks/server.ts';
import { openStoreSink, storeFlags, storeHelp } from '../sinks/store.ts';
import { detectFlags, detectHelp, openDetectSink } from '../sinks/detect.ts';
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

/** Lets a sink publish what it derives (e.g. anomalies from windows) to every sink. */
export interface SensorContext {
  sensor: string;
  windowMs: number;
  publishAnomaly(anomaly: Anomaly): void;
}

/**
 * Every output of the sensor, composed in one place: each output module adds the few lines that
 * open its sink from its flags.
 */
async function openSinks(values: SensorValues, ctx: SensorContext, evidence: EvidenceSink | null): Promise<RecordSink[]> {
  const sinks: RecordSink[] = [];
  if (values.jsonl !== undefined) {
    const jsonl = await JsonlSink.open(values.jsonl);
    evidence?.onRecord((r) => jsonl.evidence(r));
    sinks.push(jsonl);
  }
  if (values.server !== undefined) sinks.push(openServerSink(values.server, values['server-token']));
  if (!values['no-store']) sinks.push(await openStoreSink(values, ctx.sensor));
  // the evidence stage closes (writing its last pcaps) before the outputs it reports to
  if (evidence) sinks.unshift(evidence);
  const detect = await openDetectSink(values, ctx);
  if (detect) sinks.unshift(detect);
  return sinks;
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
  const sensor = values.sensor ?? hostname();
  const localNets = splitList(values['local-net']);
  let sinks: RecordSink[] = [];
  let pipeline: CapturePipeline;
  const ctx: SensorContext = {
    sensor,
    windowMs,
    publishAnomaly: (a) => {
      if (a.subject.remote !== undefined && a.subject.remoteName === undefined) {
        const name = pipeline.names?.nameOf(a.subject.remote);
        if (name !== undefined) a.subject.remoteName = name;
      }
      for (const s of sinks) s.anomaly(a);
    },
  };
  const evidenceConfig = evidenceSettings(values, defaultVarDir());
  if (values.model === undefined && (['evidence-window', 'evidence-max', 'evidence-dir', 'evidence-disk'] as const).some((k) => values[k] !== undefined)) {
    throw new CliError('sensor: the --evidence-* flags need --model (evidence is kept for anomalies)');
  }
  const evidence = values.model !== undefined && evidenceConfig !== null
    ? new EvidenceSink(evidenceConfig, windowMs, (m) => process.stderr.write(`spanwatch sensor: ${m}\n`))
    : null;
  try {
    pipeline = new CapturePipeline({ sensor, windowMs, localNets, ...(evidence ? { packetRing: evidence.ring } : {}) }, (w: WindowStats) => {
      for (const s of sinks) s.window(w);
    });
  } catch (err) {
    throw new CliError(`sensor: ${(err as Error).message}`);
  }
  evidence?.attach(pipeline.names);
  let damaged = 0;
  let liveError: LiveCaptureError | null = null;
  const source = openSource(values, files, (err) => {
    damaged++;
    process.stderr.write(`spanwatch sensor: ${err.message}\n`);
  });
  sinks = await openSinks(values, ctx, evidence);
  if (sinks.length === 0) {
    throw new CliError('sensor: no output; give --jsonl FILE (or - for stdout). See `spanwatch sensor --help`.');
  }
  const stop = (): void => pipeline.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stderr.write(`spanwatch sensor: capturing on ${source.live ? 'interface ' : ''}${source.name} as sensor '${sensor}' (${windowMs} ms windows)\n`);
  try {
    await pipeline.run(source);
  } catch (err) {
    // the windows before the failure have been emitted and are written when the sinks close
    if (err instanceof LiveCaptureError) liveError = err;
    else if (err instanceof CaptureFileError) {
      damaged++;
      process.stderr.write(`spanwatch sensor: ${err.message}\n`);
    } else throw err;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await Promise.all(sinks.map((s) => s.close()));
    // a stopped read from stdin leaves the stream open, which would keep the process alive
    if (files.includes('-')) process.stdin.destroy();
  }
  if (liveError !== null) throw new CliError(`sensor: --interface ${liveError.iface}: ${liveError.message}`, 1);
  return damaged > 0 ? 1 : 0;
}
