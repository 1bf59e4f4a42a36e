// Level and direction colours from the Okabe–Ito palette (distinguishable with the common colour
// vision deficiencies); every level also has a shape and is always labelled in text.
import type { Direction, SeverityLevel } from './types.ts';

export const LEVEL_COLOUR: Record<SeverityLevel, string> = {
  info: '#56B4E9',
  low: '#009E73',
  medium: '#F0E442',
  high: '#E69F00',
  critical: '#D55E00',
};

/** d3-shape symbol names, one per level, so markers differ by shape as well as colour. */
export type LevelShape = 'circle' | 'square' | 'diamond' | 'triangle' | 'star';
export const LEVEL_SHAPE: Record<SeverityLevel, LevelShape> = {
  info: 'circle',
  low: 'square',
  medium: 'diamond',
  high: 'triangle',
  critical: 'star',
};

export const DIRECTION_COLOUR: Record<Direction, string> = {
  outbound: '#0072B2',
  inbound: '#CC79A7',
  internal: '#7f7f7f',
  other: '#bbbbbb',
};
