// What an API training run leaves out and carries forward from the analysts: the time ranges of
// confirmed incidents (escalated, or resolved as real) in the requested range — from the store and
// from the server's working set, whose statuses are the newest — and the accepted rules.
import { confirmedRanges, type Anomaly } from '../../model/index.ts';
import type { TrainRequest } from '../ports.ts';
import type { ServerContext } from '../serverContext.ts';

/** Incidents that began this long before the range can still reach into it. */
const LOOK_BACK_MS = 86_400_000;
const STORED_LIMIT = 10_000;

export async function trainingInputs(ctx: Pick<ServerContext, 'history' | 'recent' | 'book' | 'suppressions'>, req: TrainRequest): Promise<Required<Pick<TrainRequest, 'exclude' | 'rules'>>> {
  const byId = new Map<string, Anomaly>();
  if (ctx.history !== ctx.recent) {
    for (const a of await ctx.history.anomalies({ from: req.from - LOOK_BACK_MS, to: req.to, sensor: req.sensor, limit: STORED_LIMIT })) byId.set(a.id, a);
  }
  for (const a of ctx.book.all()) if (req.sensor === undefined || a.sensor === req.sensor) byId.set(a.id, a);
  return { exclude: confirmedRanges(byId.values(), req.from, req.to), rules: ctx.suppressions.list() };
}
