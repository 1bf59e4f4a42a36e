// The server's own short memory of windows and anomalies: the history source when no store is
// configured, and the fallback for the last minutes in any case.
import type { WindowStats } from '../../capture/index.ts';
import type { Anomaly } from '../../model/index.ts';
import type { AnomalyBook } from '../anomalies/anomalyBook.ts';
import { RESOLUTION_MS, resolveResolution, type AnomalyQuery, type HistorySource, type WindowQuery } from '../ports.ts';
import { rollUp } from './rollUp.ts';

export class RecentHistory implements HistorySource {
  private readonly bySensor = new Map<string, WindowStats[]>();

  constructor(private readonly book: AnomalyBook, private readonly perSensor = 3_600) {}

  addWindow(w: WindowStats): void {
    let list = this.bySensor.get(w.sensor);
    if (!list) this.bySensor.set(w.sensor, (list = []));
    list.push(w);
    if (list.length > this.perSensor) list.splice(0, list.length - this.perSensor);
  }

  /** Drops a sensor's windows (the sensor registry forgot it). */
  forget(sensor: string): void {
    this.bySensor.delete(sensor);
  }

  async windows(q: WindowQuery): Promise<WindowStats[]> {
    const sensors = q.sensor ? [q.sensor] : [...this.bySensor.keys()].sort();
    const out: WindowStats[] = [];
    for (const s of sensors) {
      const inRange = (this.bySensor.get(s) ?? []).filter((w) => w.start >= q.from && w.start < q.to);
      const resolution = resolveResolution(q.resolution, q.from, q.to);
      out.push(...(resolution === '1s' ? inRange : rollUp(inRange, RESOLUTION_MS[resolution])));
    }
    out.sort((a, b) => a.start - b.start || a.sensor.localeCompare(b.sensor));
    return out.slice(0, q.limit);
  }

  async anomalies(q: AnomalyQuery): Promise<Anomaly[]> {
    return this.book.all()
      .filter((a) => a.start < q.to && a.end >= q.from && (!q.sensor || a.sensor === q.sensor))
      .slice(-q.limit);
  }
}
