// The analyst's action buttons with an optional note and assignee; only the role's actions appear.
import { button, el, field } from '../dom.ts';
import type { AnalystAction } from '../types.ts';
import { ACTION_LABEL } from '../vocabulary.ts';

export type Act = (action: AnalystAction, note?: string, assignee?: string) => Promise<void>;

export function mountActions(root: HTMLElement, allowed: readonly AnalystAction[], act: Act): void {
  const note = el('textarea', { attrs: { rows: '2', cols: '40', maxlength: '2000' } });
  const assignee = el('input', { attrs: { type: 'text', maxlength: '100', autocomplete: 'off' } });
  const result = el('p', { class: 'muted', attrs: { role: 'status' } });
  const buttons = el('div', { class: 'actions' });
  for (const action of allowed) {
    const b = button(ACTION_LABEL[action], () => {
      const text = note.value.trim() || undefined;
      const who = assignee.value.trim() || undefined;
      if (action === 'comment' && !text) { result.textContent = 'Write a note to comment.'; note.focus(); return; }
      if (action === 'assign' && !who) { result.textContent = 'Name the assignee first.'; assignee.focus(); return; }
      for (const other of buttons.querySelectorAll('button')) other.disabled = true;
      result.textContent = `${ACTION_LABEL[action]}…`;
      act(action, text, action === 'assign' ? who : undefined).then(
        () => {
          result.textContent = `${ACTION_LABEL[action]}: done`;
          // keep whatever the analyst started typing while the request was out
          if ((note.value.trim() || undefined) === text) note.value = '';
        },
        (err: unknown) => { result.textContent = err instanceof Error ? err.message : String(err); },
      ).finally(() => { for (const other of buttons.querySelectorAll('button')) other.disabled = false; });
    }, `action action-${action}`);
    b.dataset.action = action;
    buttons.append(b);
  }
  root.append(buttons, field('Note', note, 'action-note'), field('Assignee', assignee, 'action-assignee'), result);
}
