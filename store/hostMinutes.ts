// host_minutes: every active local host's figures summed per minute of event time, so analysts
// have a history for each host and not only for the top-K of each window, at a step whose volume
// stays small (one point per active host and minute, against one per host and second). Kept per
// sensor (one writer serves several sensors), written when a window of the next minute arrives,
// and on flush/close so far (a minute's final point replaces an earlier partial one: same series,
// same time).
import type { LocalHostStats, WindowStats } from '../capture/index.ts';
import type { LineBuffer } from './lineBuffer.ts';
import { SPACE, COMMA, escapeKey, writeField, writeMsTimestamp, writeTag } from './point.ts';
import { HOST_MINUTES, HOST_STEP_MS } from './schema.ts';

const KEYS = HOST_MINUTES.fields.map((f) => escapeKey(f.name));
const N = KEYS.length;
/** the order `accumulate` adds in: it must be the schema's */
const ORDER = ['windows', 'bytesOut', 'bytesIn', 'packetsOut', 'packetsIn', 'bytesToRemote', 'packetsToRemote', 'flows', 'flowsStarted',
  'peers', 'dstPorts', 'tcpSyn', 'tcpSynUnanswered', 'tcpRstReceived', 'dnsQueries', 'dnsNxdomain'];
if (HOST_MINUTES.fields.map((f) => f.name).join() !== ORDER.join()) {
  throw new Error('store/hostMinutes.ts: accumulate() no longer follows the fields of host_minutes in store/schema.ts; update both together');
}

/** Adds one window's figures of a host (sums; the largest window for the distinct counts). Written
 * out field by field: a loop over field names costs a keyed property load per field and host. */
function accumulate(s: Float64Array, h: LocalHostStats): void {
  s[0]! += 1;
  s[1]! += h.bytesOut;
  s[2]! += h.bytesIn;
  s[3]! += h.packetsOut;
  s[4]! += h.packetsIn;
  s[5]! += h.bytesToRemote ?? 0;
  s[6]! += h.packetsToRemote ?? 0;
  s[7]! += h.flows;
  s[8]! += h.flowsStarted;
  if (h.peers > s[9]!) s[9] = h.peers;
  if (h.dstPorts > s[10]!) s[10] = h.dstPorts;
  s[11]! += h.tcpSyn;
  s[12]! += h.tcpSynUnanswered;
  s[13]! += h.tcpRstReceived;
  s[14]! += h.dnsQueries;
  s[15]! += h.dnsNxdomain;
}

interface SensorStep {
  /** start of the minute being summed (NaN before the first window) */
  step: number;
  hosts: Map<string, Float64Array>;
}

export class HostMinutes {
  private readonly sensors = new Map<string, SensorStep>();
  private readonly pool: Float64Array[] = [];

  /** Adds a window's hosts; first writes the sensor's previous minute when the window starts a new one. Returns the lines written. */
  add(w: WindowStats, out: LineBuffer): number {
    const step = Math.floor(w.start / HOST_STEP_MS) * HOST_STEP_MS;
    let s = this.sensors.get(w.sensor);
    if (!s) {
      s = { step, hosts: new Map() };
      this.sensors.set(w.sensor, s);
    }
    let lines = 0;
    if (step !== s.step) {
      lines = this.encode(out, w.sensor, s);
      this.clear(s);
      s.step = step;
    }
    // windows read back without the full table only have the top-K: better than nothing
    for (const h of w.localHosts ?? w.topLocalHosts) {
      let sums = s.hosts.get(h.host);
      if (!sums) {
        sums = this.pool.pop() ?? new Float64Array(N);
        s.hosts.set(h.host, sums);
      }
      accumulate(sums, h);
    }
    return lines;
  }

  /** Writes every sensor's open minute as it stands; `clear` also forgets it (at close). Returns the lines written. */
  drain(out: LineBuffer, clear: boolean): number {
    let lines = 0;
    for (const [sensor, s] of this.sensors) {
      lines += this.encode(out, sensor, s);
      if (clear) this.clear(s);
    }
    if (clear) this.sensors.clear();
    return lines;
  }

  private encode(out: LineBuffer, sensor: string, s: SensorStep): number {
    for (const [host, sums] of s.hosts) {
      out.text('host_minutes');
      writeTag(out, 'host', host);
      writeTag(out, 'sensor', sensor);
      let sep = SPACE;
      for (let i = 0; i < N; i++) if (writeField(out, sep, 'int', KEYS[i]!, sums[i]!)) sep = COMMA;
      writeMsTimestamp(out, s.step);
    }
    return s.hosts.size;
  }

  private clear(s: SensorStep): void {
    for (const sums of s.hosts.values()) {
      sums.fill(0);
      this.pool.push(sums);
    }
    s.hosts.clear();
  }
}
