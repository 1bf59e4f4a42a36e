// The seasonal band test every baseline-driven detector uses: a value fires when it exceeds
// both the slot's upper range plus two spreads and the largest value the slot ever saw (plus a
// margin), so a recurring peak at its usual hour stays quiet and the same peak elsewhere does not.
import type { Expectation, SeasonalBaseline } from '../seasonalBaseline.ts';
import { toDisplay, type FeatureSpec } from '../features.ts';

export interface BandResult {
  exp: Expectation;
  bound: number;
  /** ratio past the bound in display units for log features, spreads past it otherwise */
  strength: number;
  /** the expected range in display units */
  low: number;
  high: number;
  median: number;
}

/** log1p features must go past ×2 the slot's largest value; shares and plain values by a fixed step */
const MAX_SPREAD_STEP = 2;
const MAX_MARGIN: Record<FeatureSpec['scale'], number> = { 'log1p-rate': Math.LN2, share: 0.1, plain: 0.5, cyclic: 0 };

export function upperBand(baseline: SeasonalBaseline, key: string, spec: FeatureSpec, value: number, start: number, slotOnly = false): BandResult | null {
  const exp = baseline.expect(key, start, slotOnly);
  if (!exp) return null;
  // the spread term is capped: in sparse slots (mostly empty windows) high − median is huge
  const bound = Math.max(exp.high + Math.min(2 * exp.spread, MAX_SPREAD_STEP), exp.max + MAX_MARGIN[spec.scale]);
  const strength = spec.scale === 'log1p-rate' ? Math.exp(value - bound) : 1 + (value - bound) / Math.max(exp.spread, 1e-6);
  return {
    exp, bound, strength,
    low: toDisplay(spec, exp.low), high: toDisplay(spec, exp.high), median: toDisplay(spec, exp.median),
  };
}
