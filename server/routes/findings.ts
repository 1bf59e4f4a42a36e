// The findings the API lists: those in the store for a time range, overlaid with the server's
// memory (newer versions, analyst status), each placed in its incident.
import type { AnomalyView } from '../protocol.ts';
import type { ServerContext } from '../serverContext.ts';

export const HISTORY_LIMIT = 10_000;
const FAR_FUTURE_MS = 86_400_000;

export async function collectFindings(ctx: ServerContext, q: { from?: number; to?: number; sensor?: string }): Promise<AnomalyView[]> {
  const byId = new Map<string, AnomalyView>();
  if (ctx.history !== ctx.recent) {
    const stored = await ctx.history.anomalies({ from: q.from ?? 0, to: q.to ?? Date.now() + FAR_FUTURE_MS, sensor: q.sensor, limit: HISTORY_LIMIT });
    for (const a of ctx.book.overlay(stored)) byId.set(a.id, a);
  }
  for (const a of ctx.book.all()) byId.set(a.id, a);
  return [...byId.values()];
}

export async function findAnomaly(ctx: ServerContext, id: string): Promise<AnomalyView | undefined> {
  const held = ctx.book.get(id);
  if (held) return held;
  if (ctx.history === ctx.recent) return undefined;
  const found = ctx.history.anomaly
    ? await ctx.history.anomaly(id)
    : (await ctx.history.anomalies({ from: 0, to: Date.now() + FAR_FUTURE_MS, limit: HISTORY_LIMIT })).find((a) => a.id === id);
  return found ? ctx.book.remember(found) : undefined;
}
