// The analyst's token lives in sessionStorage only (gone when the tab closes, never in the URL).
const TOKEN_KEY = 'spanwatch.token';
const SEEN_KEY = 'spanwatch.seen';

export function loadToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Anomaly ids the analyst has opened in this session. */
export function loadSeen(): Set<string> {
  try {
    const raw: unknown = JSON.parse(sessionStorage.getItem(SEEN_KEY) ?? '[]');
    return new Set(Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

export function saveSeen(seen: Set<string>): void {
  sessionStorage.setItem(SEEN_KEY, JSON.stringify([...seen].slice(-2000)));
}
