// The app shell: login, navigation, the stream connection and its banner, and the router.
import { apiClient, ApiError, type Me } from './api.ts';
import type { AppContext, View } from './context.ts';
import { button, clear, el } from './dom.ts';
import { applyMessage, createLiveState, markSeen, putAnomaly, putWindow, type Change, type LiveState } from './liveState.ts';
import { parseRoute, routeHash } from './router.ts';
import { forgetToken, loadSeen, loadToken, saveSeen } from './session.ts';
import { openStream, type StreamHandle } from './stream.ts';
import type { Channel } from './types.ts';
import { canAdminister } from './vocabulary.ts';
import { anomaliesView } from './views/anomalies.ts';
import { evidenceView, incidentEvidenceView, replayedEvidenceView } from './views/evidence.ts';
import { healthView } from './views/health.ts';
import { hostView, hostsView } from './views/hosts.ts';
import { liveView } from './views/live.ts';
import { loginView } from './views/login.ts';
import { replayView } from './views/replay.ts';
import { trainingView } from './views/training.ts';

/** How much recent traffic the live chart loads when the page opens. */
const RECENT_WINDOWS_MS = 5 * 60_000;

const VIEWS: Record<string, View> = {
  live: liveView,
  anomalies: anomaliesView,
  anomaly: evidenceView,
  incident: incidentEvidenceView,
  replayed: replayedEvidenceView,
  hosts: hostsView,
  host: hostView,
  health: healthView,
  training: trainingView,
  replay: replayView,
};

const NAV: { name: string; label: string; admin?: boolean }[] = [
  { name: 'live', label: 'Live' },
  { name: 'anomalies', label: 'Incidents' },
  { name: 'hosts', label: 'Hosts' },
  { name: 'health', label: 'Health' },
  { name: 'training', label: 'Training', admin: true },
  { name: 'replay', label: 'Replay' },
];

function byId(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page is missing #${id}; rebuild the UI (npm run build:ui)`);
  return node;
}

function showBanner(text: string | null): void {
  const banner = byId('banner');
  banner.hidden = text === null;
  banner.textContent = text ?? '';
}

/**
 * What the stream does not replay: recent windows, known anomalies and sensor health, over REST.
 * "Recent" is the data's time: when the wall clock's last minutes hold no windows (a replay of an
 * older day, now finished), the minutes before the newest finding are loaded instead.
 */
async function loadInitial(ctx: AppContext): Promise<void> {
  const now = Date.now();
  const [page, sensors, recent] = await Promise.all([
    ctx.api.anomalies({ limit: 200 }).catch(() => ({ items: [] })),
    ctx.api.status().catch(() => []),
    ctx.api.windows(undefined, now - RECENT_WINDOWS_MS, now + 60_000, '1s').catch(() => []),
  ]);
  let windows = recent;
  const newest = Math.max(...page.items.map((a) => a.end));
  if (windows.length === 0 && Number.isFinite(newest)) {
    windows = await ctx.api.windows(undefined, newest - RECENT_WINDOWS_MS, newest + 60_000, '1s').catch(() => []);
  }
  for (const w of windows) putWindow(ctx.state, 'live', w);
  for (const a of page.items) putAnomaly(ctx.state, 'live', a);
  for (const s of sensors) ctx.state.health.set(s.sensor, s);
}

function startApp(token: string, me: Me): void {
  const state: LiveState = createLiveState(loadSeen());
  const listeners = new Set<(c: Change) => void>();
  const channels = new Set<Channel>(['live']);
  const emit = (c: Change): void => { for (const l of [...listeners]) l(c); };
  let stream: StreamHandle | null = null;

  const ctx: AppContext = {
    api: apiClient(token),
    me,
    state,
    onChange(listener) { listeners.add(listener); return () => listeners.delete(listener); },
    follow(channel) {
      if (channels.has(channel)) return;
      channels.add(channel);
      stream?.subscribe([...channels]);
    },
    markSeen(id) { markSeen(state, id); saveSeen(state.seen); updateUnseen(); },
    navigate(hash) { location.hash = hash; },
  };

  const who = byId('who');
  clear(who);
  who.append(
    el('span', { class: 'user' }, me.user), ' ', el('span', { class: `role role-${me.role}` }, me.role), ' ',
    el('span', { class: 'unseen-count', attrs: { id: 'unseen-count', 'aria-live': 'polite' } }), ' ',
    button('Log out', () => { forgetToken(); stream?.close(); location.hash = ''; location.reload(); }, 'link'),
  );
  const nav = byId('nav');
  clear(nav);
  for (const item of NAV) {
    if (item.admin && !canAdminister(me.role)) continue;
    nav.append(el('a', { attrs: { href: routeHash(item.name), 'data-route': item.name } }, item.label));
  }

  function updateUnseen(): void {
    const n = state.unseen.size;
    const node = document.getElementById('unseen-count');
    if (node) node.textContent = n > 0 ? `${n} unseen high/critical` : '';
  }

  const root = byId('view');
  let cleanup: (() => void) | void;
  function render(): void {
    if (cleanup) cleanup();
    const route = parseRoute(location.hash);
    const view = VIEWS[route.name] ?? liveView;
    for (const a of nav.querySelectorAll('a')) {
      if (a.dataset.route === route.name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    clear(root);
    cleanup = view(root, ctx, route.param, route.query);
  }

  loadInitial(ctx).finally(() => {
    updateUnseen();
    render();
    window.addEventListener('hashchange', render);
    stream = openStream({
      token,
      channels: () => [...channels],
      lastId: () => state.lastId,
      onState(s, detail) {
        document.body.dataset.stream = s;
        if (s === 'open') showBanner(null);
        else if (s === 'disconnected') showBanner(`Live stream disconnected — ${detail}`);
        else if (s === 'unauthorized') { showBanner(`Live stream refused: ${detail}. Log in again.`); forgetToken(); }
      },
      onMessage(msg) {
        const change = applyMessage(state, msg);
        if (change.kind === 'resync') {
          loadInitial(ctx).then(() => emit({ kind: 'resync' }), () => undefined);
          return;
        }
        if (change.kind === 'anomaly' || change.kind === 'status') updateUnseen();
        if (change.kind !== 'none') emit(change);
      },
    });
  });
}

function boot(): void {
  const token = loadToken();
  const root = byId('view');
  const login = (message?: string): void => {
    clear(root);
    loginView(root, message, (t, me) => startApp(t, me));
  };
  if (!token) { login(); return; }
  apiClient(token).me().then(
    (me) => startApp(token, me),
    (err: unknown) => login(err instanceof ApiError && err.status === 401 ? 'The saved token was refused; paste a new one.' : String(err)),
  );
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
