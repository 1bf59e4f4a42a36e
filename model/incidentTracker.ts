// Merges findings into incidents: consecutive anomalous windows of the same kind and subject are
// one incident with a stable id, a start, an end and a peak. An incident is emitted when it
// opens, when it reaches a new level or a clearly higher peak, periodically while it lasts,
// and once more when it ends (ongoing: false).
import { createHash } from 'node:crypto';
import type { WindowStats } from '../capture/index.ts';
import { ANOMALY_VERSION, type Anomaly } from './anomaly.ts';
import type { CriticalityMap } from './criticality.ts';
import type { Finding } from './detectors/finding.ts';
import { severityOf } from './severity.ts';

/** An ongoing incident is re-emitted at least every this many windows. */
const REEMIT_EVERY_WINDOWS = 30;

interface OpenIncident {
  anomaly: Anomaly;
  peakStrength: number;
  lastSeenEnd: number;
  holdMs: number;
  emittedWindows: number;
  lossWindows: number;
}

export interface IncidentOptions {
  sensor: string;
  modelVersion: string;
  criticality: CriticalityMap | null;
  now: () => number;
}

export class IncidentTracker {
  private readonly open = new Map<string, OpenIncident>();

  constructor(private readonly opts: IncidentOptions) {}

  update(w: WindowStats, findings: Finding[], captureLoss: boolean): Anomaly[] {
    const out: Anomaly[] = [];
    const end = w.start + w.durationMs;
    const seen = new Set<string>();
    for (const f of findings) {
      if (seen.has(f.key)) continue;
      seen.add(f.key);
      const inc = this.open.get(f.key);
      if (!inc) {
        if (f.closes) continue;
        const created = this.create(w, f, captureLoss);
        this.open.set(f.key, created);
        out.push({ ...created.anomaly });
        continue;
      }
      const before = inc.anomaly.level;
      const beforePeak = inc.peakStrength;
      this.extend(inc, w, f, captureLoss);
      if (f.closes) {
        inc.anomaly.ongoing = false;
        this.open.delete(f.key);
        out.push({ ...inc.anomaly });
      } else if (inc.anomaly.level !== before || inc.peakStrength > beforePeak * 1.25 || inc.anomaly.windows - inc.emittedWindows >= REEMIT_EVERY_WINDOWS) {
        inc.emittedWindows = inc.anomaly.windows;
        out.push({ ...inc.anomaly });
      }
    }
    for (const [key, inc] of this.open) {
      if (seen.has(key)) continue;
      if (end - inc.lastSeenEnd > Math.max(inc.holdMs, 2 * w.durationMs)) {
        inc.anomaly.ongoing = false;
        this.open.delete(key);
        out.push({ ...inc.anomaly });
      }
    }
    return out;
  }

  /** Ends every open incident (end of input). */
  finish(): Anomaly[] {
    const out = [...this.open.values()].map((inc) => ({ ...inc.anomaly, ongoing: false }));
    this.open.clear();
    return out;
  }

  private create(w: WindowStats, f: Finding, captureLoss: boolean): OpenIncident {
    const id = `${this.opts.sensor}-${f.kind}-${w.start}-${createHash('sha256').update(f.key).digest('hex').slice(0, 8)}`;
    const anomaly: Anomaly = {
      version: ANOMALY_VERSION,
      id,
      sensor: this.opts.sensor,
      kind: f.kind,
      start: Math.min(w.start, f.since ?? w.start),
      end: w.start + w.durationMs,
      peakAt: w.start,
      windows: 1,
      ongoing: true,
      detectedAt: this.opts.now(),
      subject: f.subject,
      observed: f.observed,
      expected: f.expected,
      contributions: f.contributions,
      score: f.score,
      severity: 0,
      level: 'info',
      maturity: f.maturity,
      captureLoss,
      summary: f.summary,
      modelVersion: this.opts.modelVersion,
      status: 'open',
    };
    const inc: OpenIncident = {
      anomaly, peakStrength: f.strength, lastSeenEnd: anomaly.end, holdMs: f.holdMs ?? 0, emittedWindows: 1, lossWindows: captureLoss ? 1 : 0,
    };
    this.rescore(inc);
    return inc;
  }

  private extend(inc: OpenIncident, w: WindowStats, f: Finding, captureLoss: boolean): void {
    const a = inc.anomaly;
    a.end = w.start + w.durationMs;
    if (f.since !== undefined) a.start = Math.min(a.start, f.since);
    a.windows++;
    if (captureLoss) inc.lossWindows++;
    inc.lastSeenEnd = a.end;
    inc.holdMs = f.holdMs ?? inc.holdMs;
    // the record describes its strongest window: observed, expected and the summary sentence move
    // together, so the feed's number, the card's and the summary's are one number; a closing
    // finding as strong as the peak wins the tie (it says how the incident ended)
    if (f.strength > inc.peakStrength || (f.closes && f.strength >= inc.peakStrength)) {
      inc.peakStrength = f.strength;
      a.summary = f.summary;
      a.peakAt = w.start;
      a.subject = f.subject;
      a.observed = f.observed;
      a.expected = f.expected;
      a.contributions = f.contributions;
      a.score = f.score;
      a.maturity = f.maturity;
    }
    a.captureLoss = inc.lossWindows > 0;
    this.rescore(inc);
  }

  private rescore(inc: OpenIncident): void {
    const a = inc.anomaly;
    const crit = this.opts.criticality;
    const level = crit ? maxCriticality(crit.lookup(a.subject.localHost), crit.lookup(a.subject.remote)) : null;
    const s = severityOf({ kind: a.kind, strength: inc.peakStrength, windows: a.windows, maturity: a.maturity, criticality: level, captureLoss: inc.lossWindows * 2 > a.windows || (a.windows === 1 && inc.lossWindows === 1) });
    a.severity = s.severity;
    a.level = s.level;
  }
}

const ORDER = ['low', 'medium', 'high', 'critical'] as const;
function maxCriticality(a: (typeof ORDER)[number] | null, b: (typeof ORDER)[number] | null): (typeof ORDER)[number] | null {
  if (!a) return b;
  if (!b) return a;
  return ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b;
}
