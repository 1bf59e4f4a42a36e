// Wraps a script so that the time span of every packet it (and what it spawns) sends is recorded:
// labels then carry the true first and last packet times, not the planned ones.
import { millis } from './context.ts';
import type { Emission, TrafficScript } from './schedule.ts';

/** Filled in as the packets go out (ms since the epoch); empty while start > end. */
export interface ObservedSpan {
  start: number;
  end: number;
  packets: number;
}

export function emptySpan(): ObservedSpan {
  return { start: Infinity, end: -Infinity, packets: 0 };
}

export function* tracked(script: TrafficScript, span: ObservedSpan): Generator<Emission, void, undefined> {
  for (let r = script.next(); !r.done; r = script.next()) {
    const e = r.value;
    if ('frame' in e) {
      const ms = millis(e.at);
      if (ms < span.start) span.start = ms;
      if (ms > span.end) span.end = ms;
      span.packets++;
      yield e;
    } else {
      yield { at: e.at, spawn: tracked(e.spawn, span) };
    }
  }
}
