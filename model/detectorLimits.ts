// Limits the pattern detectors learn from training: the largest value of each pattern statistic
// seen in normal traffic. A detector fires only well above both its fixed floor and what the
// network already did while it was normal (e.g. a proxy that legitimately fans out on 443).
export interface DetectorLimits {
  /** most unanswered SYNs from one local host per second */
  synUnansweredMax: number;
}

export function emptyLimits(): DetectorLimits {
  return { synUnansweredMax: 0 };
}

/** How far above the training maximum a pattern must go before it counts. */
export const LIMIT_HEADROOM = 1.5;
