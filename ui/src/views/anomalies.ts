// #/anomalies: the live incident feed (one row per incident), filters in the URL.
import type { View } from '../context.ts';
import { el } from '../dom.ts';
import { mountIncidentFeed } from './incidentFeed.ts';

export const anomaliesView: View = (root, ctx, _param, query) => {
  root.append(el('h1', {}, 'Incidents'));
  const panel = el('section', { attrs: { 'aria-label': 'Incident feed' } });
  root.append(panel);
  return mountIncidentFeed(panel, ctx, query);
};
