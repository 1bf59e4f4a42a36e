// Time-axis labels in UTC on a 24-hour clock, as precise as the tick needs.
import { utcFormat } from 'd3-time-format';

const seconds = utcFormat('%H:%M:%S');
const minutes = utcFormat('%H:%M');
const days = utcFormat('%b %d');

export function utcTick(d: Date | { valueOf(): number }): string {
  const t = new Date(d.valueOf());
  if (t.getUTCSeconds() !== 0 || t.getUTCMilliseconds() !== 0) return seconds(t);
  if (t.getUTCHours() !== 0 || t.getUTCMinutes() !== 0) return minutes(t);
  return days(t);
}
