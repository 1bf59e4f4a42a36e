// Limits the pattern detectors learn from training: the largest value of each pattern statistic
// seen in normal traffic. A detector fires only well above both its fixed floor and what the
// network already did while it was normal (e.g. a proxy that legitimately fans out on 443).
export interface DetectorLimits {
  /** most distinct ports one initiator touched on one target within the scan horizon */
  scanVerticalMax: number;
  /** most distinct targets one initiator touched on one port, per port */
  scanHorizontalMax: Record<string, number>;
  /** most unanswered SYNs from one local host per second */
  synUnansweredMax: number;
  /** most distinct names one client asked under one registered domain within the DNS horizon */
  dnsDistinctNamesMax: number;
}

export function emptyLimits(): DetectorLimits {
  return { scanVerticalMax: 0, scanHorizontalMax: {}, synUnansweredMax: 0, dnsDistinctNamesMax: 0 };
}

/** How far above the training maximum a pattern must go before it counts. */
export const LIMIT_HEADROOM = 1.5;
