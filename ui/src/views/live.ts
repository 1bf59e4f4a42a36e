// #/live: the sensors' traffic as it arrives.
import type { View } from '../context.ts';
import { el } from '../dom.ts';
import { mountTraffic } from './trafficPanel.ts';

export const liveView: View = (root, ctx) => {
  root.append(el('h1', {}, 'Live traffic'));
  const panel = el('section', { class: 'traffic', attrs: { 'aria-label': 'Live traffic charts' } });
  root.append(panel);
  return mountTraffic(panel, ctx, 'live', true);
};
