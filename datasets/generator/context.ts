// What every traffic source shares: the office, the seed-derived random streams, the time span
// and the periods when a host has been made to fall silent.
import type { OfficeNetwork, Endpoint } from './network.ts';
import { Random } from './random.ts';
import type { Micros } from './schedule.ts';

export interface Silence {
  host: Endpoint;
  from: Micros;
  to: Micros;
}

export class TrafficContext {
  readonly silences: Silence[] = [];

  constructor(
    readonly net: OfficeNetwork,
    readonly seed: number,
    /** multiplies how often interactive sessions start and how big the bulk transfers are */
    readonly scale: number,
    readonly startAt: Micros,
    readonly endAt: Micros,
  ) {}

  /** The random stream of one named part of the traffic. */
  random(name: string): Random {
    return new Random(this.seed, name);
  }

  silent(host: Endpoint, at: Micros): boolean {
    for (const s of this.silences) if (s.host === host && at >= s.from && at < s.to) return true;
    return false;
  }
}

export const US_PER_MS = 1_000;
export const US_PER_S = 1_000_000;

export function micros(ms: number): Micros {
  return Math.round(ms * US_PER_MS);
}

export function millis(at: Micros): number {
  return at / US_PER_MS;
}
