// host-deviation: the host autoencoder cannot reconstruct a host's last 15 minutes next to its own
// typical profile — a mix of services, peers, direction or timing this host never showed, even
// when no rule names it (a workstation that starts serving files or logging in to servers). The
// behaviour features with the largest reconstruction errors are the evidence.
import type { HostBaselines } from '../hostBaselines.ts';
import type { HostIndex } from '../hostIndex.ts';
import { HostScorer, HOST_INPUT_SIZE, SustainedHostScore, hostInput, hostNetFromJson, type HostModelJson } from '../hostModel.ts';
import { BLOCK_MS, HostProfileAccumulator, PROFILE_BEHAVIOUR, PROFILE_FEATURES, PROFILE_SIZE } from '../hostProfile.ts';
import { round, type Detector, type Finding, type WindowContext } from './finding.ts';

const WORKDAY = PROFILE_FEATURES.indexOf('profile.workday');

export class HostDeviationDetector implements Detector {
  private readonly acc: HostProfileAccumulator;
  private readonly scorer: HostScorer;
  private readonly x = new Float64Array(HOST_INPUT_SIZE);
  private readonly sustained: SustainedHostScore;
  private out: Finding[] = [];
  private readonly emit = (host: string, profile: Float64Array, blockStart: number): void => this.score(host, profile, blockStart);

  /** `index`: the engine's host numbers, shared with the other detectors */
  private readonly sharedIndex: boolean;

  /** `index`: the engine's host numbers, shared with the other detectors (the windows' `hostIds` are its numbers) */
  constructor(private readonly model: HostModelJson, private readonly hosts: HostBaselines, index?: HostIndex) {
    this.acc = new HostProfileAccumulator(hosts.calendar, index);
    this.sharedIndex = index !== undefined;
    this.scorer = new HostScorer(hostNetFromJson(model), model.residualScale);
    this.sustained = new SustainedHostScore(model);
  }

  detect(ctx: WindowContext, out: Finding[]): void {
    this.out = out;
    this.acc.add(ctx.w, this.emit, this.sharedIndex ? ctx.hostIds : undefined);
  }

  private score(host: string, profile: Float64Array, blockStart: number): void {
    const typical = this.hosts.typicalProfile(host);
    if (!typical) return;
    // a kind of day training never saw is judged as the kind it did see
    if (this.hosts.slotWindows(this.hosts.slotOf(blockStart)).hours === 0) profile[WORKDAY] = 1 - profile[WORKDAY]!;
    const err = this.scorer.error(hostInput(profile, typical.profile, this.x));
    const score = this.sustained.add(host, Math.floor(blockStart / BLOCK_MS), err);
    if (!(score > this.model.threshold)) return;
    const pf = this.scorer.perFeature;
    let total = 0;
    for (let i = 0; i < PROFILE_BEHAVIOUR; i++) total += pf[i]!;
    const order = Array.from({ length: PROFILE_BEHAVIOUR }, (_, i) => i).sort((a, b) => pf[b]! - pf[a]!).slice(0, 5);
    const contributions = order.map((i) => ({
      feature: PROFILE_FEATURES[i]!, observed: round(profile[i]!), expected: round(typical.profile[i]!), share: round(pf[i]! / total),
    }));
    const lead = contributions[0]!;
    this.out.push({
      kind: 'host-deviation',
      key: `host-deviation|${host}`,
      subject: { localHost: host },
      strength: score / this.model.threshold,
      score: round(score, 3),
      observed: { feature: lead.feature, value: lead.observed, unit: 'profile' },
      expected: { low: lead.expected, high: lead.expected, median: lead.expected },
      contributions,
      maturity: typical.source === 'own' ? 1 : 0.5,
      summary: `${host} behaved unlike ${typical.source === 'own' ? 'itself' : `its peers (${typical.source})`} in the 15 minutes from ${new Date(blockStart).toISOString().slice(11, 16)} UTC (in every quarter hour of the last hour its host-model error was at least ${score.toFixed(1)}× its usual, limit ${this.model.threshold.toFixed(1)}×), led by ${contributions.slice(0, 3).map((c) => `${c.feature} ${c.observed} (usually ${c.expected})`).join(', ')}`,
      // consecutive blocks of one change of role are one incident
      holdMs: BLOCK_MS + 60_000,
    });
  }
}
