// #/anomalies: the live anomaly feed.
import type { View } from '../context.ts';
import { el } from '../dom.ts';
import { mountFeed } from './feedPanel.ts';

export const anomaliesView: View = (root, ctx) => {
  root.append(el('h1', {}, 'Anomalies'));
  const panel = el('section', { attrs: { 'aria-label': 'Anomaly feed' } });
  root.append(panel);
  return mountFeed(panel, ctx, 'live', true);
};
