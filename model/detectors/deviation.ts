// deviation: the autoencoder cannot reconstruct the window — a combination of features it never
// saw in normal traffic, even when each feature alone stays inside its band. The features with
// the largest reconstruction errors are the evidence.
import { NETWORK_FEATURES, FEATURE_COUNT, featureIndex, toDisplay } from '../features.ts';
import { AutoencoderScorer, type AutoencoderNet } from '../autoencoder.ts';
import { normalise, type Normalisation } from '../normalisation.ts';
import type { SeasonalBaseline } from '../seasonalBaseline.ts';
import { formatObserved, round, type Detector, type Finding, type WindowContext } from './finding.ts';

const WORKDAY = featureIndex('time.workday');

export class DeviationDetector implements Detector {
  private readonly scorer: AutoencoderScorer;
  private readonly x = new Float64Array(FEATURE_COUNT);
  private readonly perFeature = new Float64Array(FEATURE_COUNT);
  private readonly borrowed = new Float64Array(FEATURE_COUNT);

  constructor(net: AutoencoderNet, private readonly norm: Normalisation, private readonly threshold: number, private readonly baseline: SeasonalBaseline) {
    this.scorer = new AutoencoderScorer(net);
  }

  /** Reconstruction error of a window's features (exposed for evaluation and tests). */
  error(features: Float64Array): number {
    normalise(this.norm, features, this.x);
    return this.scorer.error(this.x, this.perFeature);
  }

  detect(ctx: WindowContext, out: Finding[]): void {
    // a kind of day training never saw is judged as the kind it did see (as the baselines borrow
    // its hours), not as a new combination in itself
    let features = ctx.features;
    if (!this.baseline.dayTypeSeen(this.baseline.calendar.slot(ctx.w.start).dayTypeHour)) {
      this.borrowed.set(ctx.features);
      this.borrowed[WORKDAY] = 1 - this.borrowed[WORKDAY]!;
      features = this.borrowed;
    }
    const err = this.error(features);
    if (!(err > this.threshold)) return;
    let total = 0;
    for (let j = 0; j < FEATURE_COUNT; j++) total += this.perFeature[j]!;
    const order = [...this.perFeature.keys()].sort((a, b) => this.perFeature[b]! - this.perFeature[a]!).slice(0, 5);
    const top = order[0]!;
    const spec = NETWORK_FEATURES[top]!;
    const exp = this.baseline.expect(spec.name, ctx.w.start);
    const observed = toDisplay(spec, ctx.features[top]!);
    const median = exp ? toDisplay(spec, exp.median) : toDisplay(spec, this.norm.center[top]!);
    const contributions = order.map((j) => {
      const s = NETWORK_FEATURES[j]!;
      return {
        feature: s.name,
        observed: round(toDisplay(s, ctx.features[j]!)),
        expected: round(toDisplay(s, this.baseline.expect(s.name, ctx.w.start)?.median ?? this.norm.center[j]!)),
        share: round(this.perFeature[j]! / total),
      };
    });
    out.push({
      kind: 'deviation',
      key: 'deviation|network',
      subject: {},
      strength: err / this.threshold,
      score: round(err, 4),
      observed: { feature: spec.name, value: round(observed), unit: spec.unit },
      expected: {
        low: round(exp ? toDisplay(spec, exp.low) : median),
        high: round(exp ? toDisplay(spec, exp.high) : median),
        median: round(median),
      },
      contributions,
      maturity: exp?.maturity ?? 0,
      summary: `unusual combination of traffic features (reconstruction error ${(err / this.threshold).toFixed(1)}× the normal limit), led by ${spec.name} at ${formatObserved(round(observed), spec.unit)}${contributions.length > 1 ? `, then ${contributions.slice(1, 3).map((c) => c.feature).join(', ')}` : ''}`,
    });
  }
}
