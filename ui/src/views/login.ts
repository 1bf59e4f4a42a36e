// Login: the analyst pastes a token; it is checked against /me and kept in sessionStorage.
import { apiClient, type Me } from '../api.ts';
import { el, field } from '../dom.ts';
import { saveToken } from '../session.ts';

export function loginView(root: HTMLElement, message: string | undefined, onLogin: (token: string, me: Me) => void): void {
  const input = el('input', { attrs: { type: 'password', autocomplete: 'off', spellcheck: 'false', size: '48' } });
  const error = el('p', { class: 'error', attrs: { role: 'alert' } }, message ?? '');
  const form = el('form', { class: 'login', attrs: { 'aria-label': 'Log in' } },
    el('h1', {}, 'Log in'),
    el('p', {}, 'Paste your spanwatch token (an admin prints one with “spanwatch user add NAME --role R”).'),
    field('Token', input, 'token'),
    el('button', { attrs: { type: 'submit' } }, 'Log in'),
    error,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (!token) { error.textContent = 'Paste a token first.'; return; }
    error.textContent = '';
    apiClient(token).me().then(
      (me) => { saveToken(token); onLogin(token, me); },
      (err: unknown) => { error.textContent = err instanceof Error ? err.message : String(err); },
    );
  });
  root.append(form);
  input.focus();
}
