// Hash routes: #/live, #/anomalies, #/incident/ID, #/anomaly/ID, #/hosts, #/host/IP, #/health,
// #/training, #/replay, #/replayed/CHANNEL/ID. A route may carry its view's state as a query
// (#/anomalies?level=high&q=10.0.0.5), so a reload or a shared link restores the filters.

export interface Route { name: string; param: string; query: URLSearchParams }

export function parseRoute(hash: string): Route {
  const full = hash.replace(/^#\/?/, '');
  const mark = full.indexOf('?');
  const path = mark < 0 ? full : full.slice(0, mark);
  const query = new URLSearchParams(mark < 0 ? '' : full.slice(mark + 1));
  const slash = path.indexOf('/');
  const name = slash < 0 ? path : path.slice(0, slash);
  let param = slash < 0 ? '' : path.slice(slash + 1);
  try { param = decodeURIComponent(param); } catch { param = ''; }
  return { name: name || 'live', param, query };
}

export function routeHash(name: string, param?: string, query?: Record<string, string>): string {
  const base = param === undefined ? `#/${name}` : `#/${name}/${encodeURIComponent(param)}`;
  const q = new URLSearchParams(Object.entries(query ?? {}).filter(([, v]) => v !== '')).toString();
  return q ? `${base}?${q}` : base;
}
