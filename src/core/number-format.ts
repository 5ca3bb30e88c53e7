/**
 * One number style for every text the app writes (views, command line, PDF, plain-language
 * summaries): thousands separators, a true minus sign, signed differences, no difference that
 * rounds to a signed zero, plurals, and ranges that do not repeat an equal end.
 */

export const MINUS = '−';

/** 10000 → "10,000"; −3 → "−3". */
export function groupThousands(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const text = Math.round(Math.abs(value)).toLocaleString('en-US');
  return value < 0 && Math.round(value) !== 0 ? `${MINUS}${text}` : text;
}

/** "1 layer", "2 layers", "1,000 samples". */
export function pluralCount(n: number, one: string, many = `${one}s`): string {
  return `${groupThousands(n)} ${n === 1 ? one : many}`;
}

/**
 * Decimals to show x with at least `digits`: more when |x| is below one unit in the last place
 * (it would round to 0 or to a misleading 1), then one more for a second significant digit; at
 * most 8. 0.00005 at 4 → 6 ("0.000050"); 0.0004 at 4 → 4.
 */
export function neededDigits(x: number, digits: number): number {
  if (!Number.isFinite(x) || x === 0 || Math.abs(x) >= 10 ** -digits) return digits;
  let d = digits;
  while (Math.abs(x) < 10 ** -d && d < 8) d++;
  return Math.min(8, d + 1);
}

/** |x| with neededDigits(x, digits) decimals: a nonzero value never reads as 0. */
export function fixedNonZero(x: number, digits: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  return Math.abs(x).toFixed(neededDigits(x, digits));
}

/**
 * A signed value with exactly `digits` decimals unless `exact` is false (then neededDigits):
 * "+0.0123", "−1.30"; 0 is never signed.
 */
export function signed(x: number, digits: number, exact = false): string {
  if (!Number.isFinite(x)) return 'n/a';
  const text = exact ? Math.abs(x).toFixed(digits) : fixedNonZero(x, digits);
  if (Number(text) === 0) return text;
  return `${x > 0 ? '+' : MINUS}${text}`;
}

/** A fraction as signed percentage points: 0.0123 → "+1.23 points". */
export function signedPoints(x: number, digits = 2): string {
  return `${signed(x * 100, digits)} points`;
}

/** A 95% interval of signed values in one style: "−1.02 to +1.81 points". */
export function signedInterval(
  lo: number,
  hi: number,
  digits: number,
  scale = 1,
  unit = '',
): string {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return 'no interval';
  // Both ends with the same decimals, enough for the smaller one.
  const d = Math.max(neededDigits(lo * scale, digits), neededDigits(hi * scale, digits));
  return `${signed(lo * scale, d, true)} to ${signed(hi * scale, d, true)}${unit ? ` ${unit}` : ''}`;
}

/** "1,000–2,000", or "1,000" when both ends are equal. */
export function countRange(lo: number, hi: number): string {
  return lo === hi ? groupThousands(lo) : `${groupThousands(lo)}–${groupThousands(hi)}`;
}

/** "p < 0.001", "p = 0.012", "p = 0.43". */
export function formatPValue(p: number): string {
  if (!Number.isFinite(p)) return 'p n/a';
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}
