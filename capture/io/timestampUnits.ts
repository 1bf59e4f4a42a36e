// pcapng timestamps: a 64-bit count of if_tsresol units, split exactly into seconds and nanoseconds.

/** How one interface's timestamp units map to seconds and nanoseconds. */
export interface TimestampScale {
  /** units per second */
  readonly unitsPerSec: number;
  /** ns = floor(rem * nsMul / nsDiv), chosen so the product stays exact for common resolutions */
  readonly nsMul: number;
  readonly nsDiv: number;
  /** the raw if_tsresol option byte */
  readonly tsresol: number;
}

export const MICROSECOND_TSRESOL = 6;
export const NANOSECOND_TSRESOL = 9;

/** if_tsresol: high bit clear → 10^-v s, set → 2^-(v & 0x7f) s. */
export function timestampScale(tsresol: number): TimestampScale {
  const exp = tsresol & 0x7f;
  if ((tsresol & 0x80) === 0) {
    const unitsPerSec = 10 ** exp;
    return exp <= 9
      ? { unitsPerSec, nsMul: 10 ** (9 - exp), nsDiv: 1, tsresol }
      : { unitsPerSec, nsMul: 1, nsDiv: 10 ** (exp - 9), tsresol };
  }
  const unitsPerSec = 2 ** exp;
  // 1e9 = 2^9 · 1953125: dividing by a power of two is exact, so only rem · 1953125 must fit 53 bits.
  return exp >= 9
    ? { unitsPerSec, nsMul: 1953125, nsDiv: 2 ** (exp - 9), tsresol }
    : { unitsPerSec, nsMul: 1e9, nsDiv: unitsPerSec, tsresol };
}

const TWO_32 = 4294967296;
/** hi below this → hi·2^32 + lo < 2^53, exact in a double */
const EXACT_HI = 0x200000;
/** long division in 16-bit digits stays exact while units per second is below 2^37 */
const DIGIT_DIVISION_LIMIT = 2 ** 37;

/** Result slots, reused so converting allocates nothing. */
export const splitTimestamp = { sec: 0, nsec: 0 };

export function splitUnits(hi: number, lo: number, scale: TimestampScale): void {
  const u = scale.unitsPerSec;
  let sec: number;
  let rem: number;
  if (hi < EXACT_HI) {
    const t = hi * TWO_32 + lo;
    sec = Math.floor(t / u);
    rem = t - sec * u;
    if (rem < 0) {
      sec--;
      rem += u;
    }
  } else if (u < DIGIT_DIVISION_LIMIT) {
    let cur = hi >>> 16;
    sec = Math.floor(cur / u);
    rem = cur - sec * u;
    cur = rem * 65536 + (hi & 0xffff);
    let q = Math.floor(cur / u);
    rem = cur - q * u;
    sec = sec * 65536 + q;
    cur = rem * 65536 + (lo >>> 16);
    q = Math.floor(cur / u);
    rem = cur - q * u;
    sec = sec * 65536 + q;
    cur = rem * 65536 + (lo & 0xffff);
    q = Math.floor(cur / u);
    rem = cur - q * u;
    sec = sec * 65536 + q;
  } else {
    const t = (BigInt(hi) << 32n) | BigInt(lo);
    const bu = BigInt(u);
    sec = Number(t / bu);
    rem = Number(t % bu);
  }
  splitTimestamp.sec = sec;
  splitTimestamp.nsec = Math.floor((rem * scale.nsMul) / scale.nsDiv);
}

/** The unit count for a timestamp, as [hi, lo] 32-bit halves (writers; not on a hot path). */
export function joinUnits(tsSec: number, tsNsec: number, scale: TimestampScale): [number, number] {
  const u = BigInt(scale.unitsPerSec);
  const units = BigInt(tsSec) * u + (BigInt(tsNsec) * u) / 1_000_000_000n;
  return [Number(units >> 32n), Number(units & 0xffffffffn)];
}
