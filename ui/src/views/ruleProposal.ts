// "Propose rule" on the evidence card: marks the anomaly false positive, shows the scoped rule the
// server proposes as an editable form, and accepts it (a suppression: matching anomalies are
// suppressed from then on, and the next training records it in the model).
import type { ApiClient, RuleProposal } from '../api.ts';
import { button, el, field } from '../dom.ts';

const DAY_MS = 86_400_000;
const SCOPE_FIELDS = ['kind', 'host', 'remote', 'prefix', 'domain'] as const;

function textInput(value: string | undefined, maxlength: number): HTMLInputElement {
  const input = el('input', { attrs: { type: 'text', maxlength: String(maxlength), autocomplete: 'off' } });
  input.value = value ?? '';
  return input;
}

export function mountRuleProposal(root: HTMLElement, anomalyId: string, api: Pick<ApiClient, 'falsePositive' | 'acceptRule'>, noteOf: () => string | undefined, onChange: () => void): void {
  // announced like the actions' own status line, without a second role=status in the card
  const result = el('p', { class: 'muted', attrs: { 'aria-live': 'polite', id: 'rule-status' } });
  const form = el('div', { class: 'rule-proposal', attrs: { id: 'rule-proposal' } });
  const propose = button('Propose rule', () => {
    propose.disabled = true;
    result.textContent = 'Marking it false positive…';
    api.falsePositive(anomalyId, noteOf()).then(
      (proposal) => {
        result.textContent = 'Proposed rule: edit it if needed, then accept it. Nothing is suppressed until then.';
        showForm(proposal);
        onChange();
      },
      (err: unknown) => {
        result.textContent = err instanceof Error ? err.message : String(err);
        propose.disabled = false;
      },
    );
  }, 'action action-propose-rule');

  function showForm(proposal: RuleProposal): void {
    const inputs = Object.fromEntries(SCOPE_FIELDS.map((f) => [f, textInput(proposal.scope[f], 256)])) as Record<(typeof SCOPE_FIELDS)[number], HTMLInputElement>;
    const days = el('input', { attrs: { type: 'number', min: '1', max: '365', step: '1' } });
    days.value = String(Math.max(1, Math.round((proposal.expiresAt - Date.now()) / DAY_MS)));
    const reason = textInput(proposal.reason, 1000);
    reason.size = 60;
    const accept = button('Accept rule', () => {
      const scope: RuleProposal['scope'] = {};
      for (const f of SCOPE_FIELDS) if (inputs[f].value.trim() !== '') scope[f] = inputs[f].value.trim();
      const d = Number(days.value);
      if (Object.keys(scope).length === 0) { result.textContent = 'Give the rule at least one scope field.'; return; }
      if (!Number.isInteger(d) || d < 1 || d > 365) { result.textContent = 'Expiry: 1 … 365 days.'; days.focus(); return; }
      accept.disabled = true;
      result.textContent = 'Accepting…';
      api.acceptRule({ scope, reason: reason.value.trim() || proposal.reason, expiresAt: Date.now() + d * DAY_MS, anomalyId }).then(
        (id) => {
          result.textContent = `Rule accepted (${id}): matching anomalies are suppressed from now on, and the next training records it.`;
          form.replaceChildren();
          onChange();
        },
        (err: unknown) => {
          result.textContent = err instanceof Error ? err.message : String(err);
          accept.disabled = false;
        },
      );
    }, 'action action-accept-rule');
    form.replaceChildren(
      ...SCOPE_FIELDS.map((f) => field(f, inputs[f], `rule-${f}`)),
      field('expires in (days)', days, 'rule-days'),
      field('reason', reason, 'rule-reason'),
      el('div', { class: 'actions' }, accept),
    );
  }

  root.append(el('div', { class: 'actions' }, propose), form, result);
}
