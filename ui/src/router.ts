// Hash routes: #/live, #/anomalies, #/anomaly/ID, #/hosts, #/host/IP, #/health, #/training, #/replay,
// #/replayed/CHANNEL/ID.

export interface Route { name: string; param: string }

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, '');
  const slash = path.indexOf('/');
  const name = slash < 0 ? path : path.slice(0, slash);
  let param = slash < 0 ? '' : path.slice(slash + 1);
  try { param = decodeURIComponent(param); } catch { param = ''; }
  return { name: name || 'live', param };
}

export function routeHash(name: string, param?: string): string {
  return param === undefined ? `#/${name}` : `#/${name}/${encodeURIComponent(param)}`;
}
