// The store behind the server's history port: InfluxReader for reads, InfluxWriter for analyst
// status write-back (the latest point of an anomaly id wins when read).
import { anomalyToPoint, type InfluxReader, type InfluxWriter } from '../../store/index.ts';
import type { WindowStats } from '../../capture/index.ts';
import type { Anomaly } from '../../model/index.ts';
import type { AnomalyQuery, AnomalyWriter, HistoryPointQuery, HistorySource, HostPoint, WindowQuery } from '../ports.ts';
import type { AnomalyView } from '../protocol.ts';

export class InfluxHistory implements HistorySource {
  constructor(private readonly reader: InfluxReader) {}

  async windows(q: WindowQuery): Promise<WindowStats[]> {
    const out: WindowStats[] = [];
    for await (const page of this.reader.iterateWindows({ from: q.from, to: q.to, sensor: q.sensor, resolution: q.resolution, signal: q.signal })) {
      out.push(...page);
      if (out.length >= q.limit) break;
    }
    return out.slice(0, q.limit);
  }

  async anomalies(q: AnomalyQuery): Promise<Anomaly[]> {
    return (await this.reader.anomalies({ from: q.from, to: q.to, sensor: q.sensor, limit: Math.min(q.limit, 10_000) })).items;
  }

  anomaly(id: string): Promise<Anomaly | undefined> {
    return this.reader.anomaly(id);
  }

  async hostSeries(q: HistoryPointQuery): Promise<HostPoint[]> {
    const resolution = this.reader.resolve({ from: q.from, to: q.to, resolution: q.resolution });
    return (await this.reader.hostSeries({ from: q.from, to: q.to, sensor: q.sensor, host: q.host, resolution, signal: q.signal })).map((p) => ({
      sensor: p.sensor, start: p.time, durationMs: p.durationMs, bytesOut: p.bytesOut, bytesIn: p.bytesIn, flows: p.flows, peers: p.peers, dstPorts: p.dstPorts,
    }));
  }
}

export class InfluxAnomalyWriter implements AnomalyWriter {
  constructor(private readonly writer: InfluxWriter) {}

  async writeAnomaly(a: AnomalyView): Promise<void> {
    const { suppressedBy: _s, assignee: _a, ...anomaly } = a;
    this.writer.write([anomalyToPoint(anomaly)]);
  }
}
