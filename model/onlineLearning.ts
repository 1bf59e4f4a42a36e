// Online learning between retrains: what the pattern detectors saw in windows that raised nothing
// becomes normal — DNS domains' name counts, hosts' fan-out, remote addresses and networks,
// periodic pairs and services — so the second week does not repeat the first week's alarms.
//
// Nothing is learned from an open incident: every finding quarantines its host, remote and domain
// until QUARANTINE_MS after its window (a finding without a subject, such as a network-wide
// deviation, quarantines everything). What a window shows is held as a pending lesson and applied
// only after CONFIRM_MS, if none of its subjects was flagged in between — so the first minutes of
// a slow tunnel or scan, seen before it crossed its limit, never become its baseline. Learned
// maxima decay and learned items expire (onlineDecay.ts); all state is bounded.
//
// Across restarts: every applied lesson is kept in a bounded journal with the time it was applied.
// `snapshot()` gives the journal, the pending lessons, the quarantined subjects and the resolvers
// learned since training; `restore()` applies the journal again, in order and at its own times, to
// the model's patterns — which rebuilds exactly the state that applying them the first time built
// (decay and expiry included) — and takes the pending lessons back. onlineState.ts stores it.
import type { Finding, WindowContext } from './detectors/finding.ts';
import type { DomainCandidate } from './detectors/dnsNameCounter.ts';
import type { ScanCandidate } from './detectors/scanCounter.ts';
import { isBeacon, type BeaconCandidate } from './detectors/beaconing.ts';
import type { Burst } from './destinationBaseline.ts';
import type { LearnedPatterns } from './learnedPatterns.ts';

/** a finding keeps its subjects out of learning this long after its window */
export const QUARANTINE_MS = 600_000;
/** a lesson is applied this long after it was first seen, if its subjects stayed quiet */
export const CONFIRM_MS = 3_600_000;
const MAX_LESSONS = 200_000;
/** applied lessons kept for a restart: the most recent ones of the last four half-lives of a learned maximum */
export const MAX_JOURNAL = 50_000;
export const JOURNAL_MAX_AGE_MS = 28 * 86_400_000;
/** pending lessons kept for a restart (the oldest: they are confirmed first) */
export const MAX_SAVED_PENDING = 50_000;
const MAX_FLAGGED = 100_000;
/** local hosts remembered per destination lesson */
const MAX_LOCALS = 8;

/** What the pattern detectors saw in the window just scored. */
export interface PatternObservations {
  domains: readonly DomainCandidate[];
  scans: readonly ScanCandidate[];
  beacons: readonly BeaconCandidate[];
  /** payload bursts to addresses not yet known */
  bursts: readonly Burst[];
}

type Lesson =
  | { kind: 'domain'; since: number; tokens: string[]; c: DomainCandidate; counts: number[]; resolver: boolean }
  | { kind: 'scan'; since: number; tokens: string[]; c: ScanCandidate; counts: number[] }
  | { kind: 'beacon'; since: number; tokens: string[]; c: BeaconCandidate }
  | { kind: 'destination'; since: number; tokens: string[]; remote: string; locals: Set<string>; payload: number };

/** A lesson as plain JSON: a scan candidate without its counter handle, a destination's hosts as a list. */
export type SavedLesson =
  | Exclude<Lesson, { kind: 'scan' | 'destination' }>
  | { kind: 'scan'; since: number; tokens: string[]; c: Omit<ScanCandidate, 'group'>; counts: number[] }
  | { kind: 'destination'; since: number; tokens: string[]; remote: string; locals: string[]; payload: number };

/** What online learning holds between retrains, as plain JSON (onlineState.ts writes it to disk). */
export interface OnlineSnapshot {
  /** applied lessons, oldest first, each with the time it was applied */
  applied: Array<{ at: number; lesson: SavedLesson }>;
  /** pending lessons by key, in the order they were first seen */
  pending: Array<[string, SavedLesson]>;
  /** quarantined subject tokens and the end of the last window that flagged them */
  flagged: Array<[string, number]>;
  everythingFlaggedUntil: number | null;
  /** resolvers learned from the traffic beyond the model's */
  resolvers: string[];
}

export class OnlineLearner {
  /** subject token → end of the last window that flagged it (Map order ≈ time order) */
  private readonly flagged = new Map<string, number>();
  private everythingFlaggedUntil = -Infinity;
  /** pending lessons by key, in the order they were first seen */
  private readonly lessons = new Map<string, Lesson>();
  /** applied lessons with when (oldest first, from `journalHead` on) */
  private journal: Array<{ at: number; lesson: SavedLesson }> = [];
  private journalHead = 0;
  private readonly trainedResolvers: ReadonlySet<string>;

  /** `keepJournal`: keep the applied lessons for `snapshot()` (only worth its memory when they are saved) */
  constructor(private readonly patterns: LearnedPatterns, private readonly keepJournal = true) {
    this.trainedResolvers = new Set(patterns.attribution.resolvers);
  }

  snapshot(): OnlineSnapshot {
    const pending: Array<[string, SavedLesson]> = [];
    for (const [key, l] of this.lessons) {
      if (pending.length >= MAX_SAVED_PENDING) break;
      pending.push([key, saved(l)]);
    }
    return {
      applied: this.journal.slice(this.journalHead),
      pending,
      flagged: [...this.flagged],
      everythingFlaggedUntil: Number.isFinite(this.everythingFlaggedUntil) ? this.everythingFlaggedUntil : null,
      resolvers: this.patterns.attribution.resolvers.filter((r) => !this.trainedResolvers.has(r)),
    };
  }

  /** Applies a snapshot's lessons again (at their own times) and takes its pending lessons and quarantines back. */
  restore(s: OnlineSnapshot): void {
    this.patterns.attribution.restoreResolvers(s.resolvers);
    for (const { at, lesson } of s.applied) this.apply(revived(lesson), at);
    for (const [key, lesson] of s.pending) this.add(key, revived(lesson));
    for (const [token, until] of s.flagged) this.flagged.set(token, until);
    if (s.everythingFlaggedUntil !== null) this.everythingFlaggedUntil = s.everythingFlaggedUntil;
  }

  observe(ctx: WindowContext, findings: readonly Finding[], seen: PatternObservations): void {
    const { w } = ctx;
    const end = w.start + w.durationMs;
    for (const f of findings) this.flag(f, end);
    if (end <= this.everythingFlaggedUntil) this.lessons.clear();
    else this.collect(ctx, seen);
    this.confirm(end);
  }

  private flag(f: Finding, end: number): void {
    const tokens = subjectTokens(f.subject);
    if (tokens.length === 0) {
      this.everythingFlaggedUntil = Math.max(this.everythingFlaggedUntil, end + QUARANTINE_MS);
      return;
    }
    for (const t of tokens) {
      this.flagged.delete(t);
      this.flagged.set(t, end);
    }
    while (this.flagged.size > MAX_FLAGGED) this.flagged.delete(this.flagged.keys().next().value!);
  }

  private quarantined(tokens: readonly string[], since: number): boolean {
    for (const t of tokens) {
      const at = this.flagged.get(t);
      if (at !== undefined && at + QUARANTINE_MS >= since) return true;
    }
    return false;
  }

  private collect(ctx: WindowContext, seen: PatternObservations): void {
    const now = ctx.w.start;
    const { attribution } = this.patterns;
    for (const c of seen.domains) {
      const tokens = [`h:${c.client}`, `d:${c.domain}`];
      if (this.quarantined(tokens, now)) continue;
      const key = `d|${c.client}|${c.domain}`;
      const l = this.lessons.get(key);
      if (l?.kind === 'domain') l.counts = l.counts.map((v, i) => Math.max(v, c.counts[i]!));
      else this.add(key, { kind: 'domain', since: now, tokens, c, counts: [...c.counts], resolver: attribution.isResolver(c.client) });
    }
    for (const c of seen.scans) {
      const tokens = [c.initiatorIsLocal ? `h:${c.initiator}` : `r:${c.initiator}`];
      if (this.quarantined(tokens, now)) continue;
      const key = `s|${c.type}|${c.initiator}|${c.type === 'horizontal' ? c.port : c.target}`;
      const l = this.lessons.get(key);
      if (l?.kind === 'scan') l.counts = l.counts.map((v, i) => Math.max(v, c.counts[i]!));
      else this.add(key, { kind: 'scan', since: now, tokens, c, counts: [...c.counts] });
    }
    for (const c of seen.beacons) {
      const tokens = [`h:${c.local}`, `r:${c.remote}`];
      if (!isBeacon(c) || this.quarantined(tokens, now)) continue;
      if (!this.lessons.has(`b|${c.key}`)) this.add(`b|${c.key}`, { kind: 'beacon', since: now, tokens, c });
    }
    const payloads = new Map<string, number>();
    for (const b of seen.bursts) payloads.set(b.remote, b.bytes);
    for (const f of ctx.w.flowStarts) {
      if (f.direction !== 'outbound' || this.patterns.known.has(f.remote, now)) continue;
      const tokens = [`h:${f.local}`, `r:${f.remote}`];
      if (this.quarantined(tokens, now)) continue;
      const key = `r|${f.remote}`;
      const l = this.lessons.get(key);
      if (l?.kind === 'destination') {
        if (l.locals.size < MAX_LOCALS) l.locals.add(f.local);
        if (!l.tokens.includes(`h:${f.local}`) && l.tokens.length < MAX_LOCALS + 1) l.tokens.push(`h:${f.local}`);
      } else this.add(key, { kind: 'destination', since: now, tokens, remote: f.remote, locals: new Set([f.local]), payload: 0 });
    }
    for (const [remote, bytes] of payloads) {
      const l = this.lessons.get(`r|${remote}`);
      if (l?.kind === 'destination' && bytes > l.payload) l.payload = bytes;
    }
  }

  private add(key: string, lesson: Lesson): void {
    if (this.lessons.size < MAX_LESSONS) this.lessons.set(key, lesson);
  }

  private confirm(now: number): void {
    for (const [key, l] of this.lessons) {
      if (now - l.since < CONFIRM_MS) break;
      this.lessons.delete(key);
      if (this.quarantined(l.tokens, l.since)) continue;
      this.apply(l, now);
    }
  }

  private apply(l: Lesson, now: number): void {
    this.remember(l, now);
    const p = this.patterns;
    switch (l.kind) {
      case 'domain': return p.domains.learnOnline({ ...l.c, counts: l.counts }, l.resolver, now);
      case 'scan': return p.scans.learnOnline({ ...l.c, counts: l.counts }, now);
      case 'beacon': return p.services.learnOnline(l.c, now);
      case 'destination':
        p.known.learnOnline(l.remote, now);
        return p.destinations.learnOnline(l.remote, l.locals, l.payload, now);
    }
  }

  private remember(l: Lesson, at: number): void {
    if (!this.keepJournal) return;
    this.journal.push({ at, lesson: saved(l) });
    while (this.journalHead < this.journal.length && (this.journal.length - this.journalHead > MAX_JOURNAL || at - this.journal[this.journalHead]!.at > JOURNAL_MAX_AGE_MS)) this.journalHead++;
    if (this.journalHead > 4_096 && this.journalHead * 2 > this.journal.length) {
      this.journal = this.journal.slice(this.journalHead);
      this.journalHead = 0;
    }
  }
}

function saved(l: Lesson): SavedLesson {
  if (l.kind === 'scan') {
    const { group: _group, ...c } = l.c;
    return { ...l, tokens: [...l.tokens], c, counts: [...l.counts] };
  }
  if (l.kind === 'destination') return { ...l, tokens: [...l.tokens], locals: [...l.locals] };
  return l;
}

function revived(l: SavedLesson): Lesson {
  if (l.kind === 'scan') return { ...l, c: { ...l.c, group: {} } };
  if (l.kind === 'destination') return { ...l, locals: new Set(l.locals) };
  return l;
}

function subjectTokens(s: Finding['subject']): string[] {
  const out: string[] = [];
  if (s.localHost !== undefined) out.push(`h:${s.localHost}`);
  if (s.remote !== undefined) out.push(`r:${s.remote}`);
  if (s.domain !== undefined) out.push(`d:${s.domain}`);
  return out;
}
