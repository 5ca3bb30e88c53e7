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
 * x with `digits` decimals, or with as many more (up to 2 significant digits, at most 8
 * decimals) as it takes not to round a nonzero value to 0: 0.00003 at 4 → "0.000030".
 */
export function fixedNonZero(x: number, digits: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  let d = digits;
  let text = Math.abs(x).toFixed(d);
  while (x !== 0 && Number(text) === 0 && d < 8) {
    d++;
    text = Math.abs(x).toFixed(d);
  }
  if (x !== 0 && Number(text) !== 0 && d > digits) text = Math.abs(x).toFixed(Math.min(8, d + 1));
  return text;
}

/** A signed value: "+0.0123", "−1.30", "0" never signed. Nonzero values never round to 0. */
export function signed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const text = fixedNonZero(x, digits);
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
  return `${signed(lo * scale, digits)} to ${signed(hi * scale, digits)}${unit ? ` ${unit}` : ''}`;
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
