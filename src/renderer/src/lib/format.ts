/**
 * Number formatting for the views. null, undefined and NaN (NaN arrives as null in JSON) show as
 * a dash. The same style as the command line's (core/number-format.ts): thousands separators,
 * a true minus sign, signed differences that never round to a signed zero, plurals, and ranges
 * that do not repeat an equal end.
 */
import { formatPValue, signed, signedInterval } from '../../../core/number-format';

export const DASH = '—';

export function isFiniteNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** 0.9123 → "91.2%". */
export function percent(value: number | null | undefined, digits = 1): string {
  return isFiniteNumber(value) ? `${(value * 100).toFixed(digits)}%` : DASH;
}

/**
 * A signed difference of fractions in percentage points: 0.034 → "+3.4 pts"; 0 → "0.0 pts"; a
 * nonzero difference gets the digits it needs not to read as zero (0.00004 → "+0.0040 pts").
 */
export function points(value: number | null | undefined, digits = 1): string {
  if (!isFiniteNumber(value)) return DASH;
  return `${signed(value * 100, digits)} pts`;
}

/** A 95% interval in points, one style everywhere: "−1.0 to +1.8 pts". */
export function pointsInterval(
  lo: number | null | undefined,
  hi: number | null | undefined,
): string {
  if (!isFiniteNumber(lo) || !isFiniteNumber(hi)) return DASH;
  return signedInterval(lo, hi, 1, 100, 'pts');
}

/** A p-value: "p < 0.001", "p = 0.012". */
export function pValue(value: number | null | undefined): string {
  return isFiniteNumber(value) ? formatPValue(value) : DASH;
}

/** A plain decimal: 0.23456 → "0.235". */
export function decimal(value: number | null | undefined, digits = 3): string {
  return isFiniteNumber(value) ? value.toFixed(digits) : DASH;
}

/** Thousands separators: 10000 → "10,000". */
export function count(value: number | null | undefined): string {
  return isFiniteNumber(value) ? Math.round(value).toLocaleString('en-US') : DASH;
}

/** A compact count: 12300 → "12.3k". */
export function compactCount(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 0 : 1)}M`;
  if (value >= 1e4) return `${Math.round(value / 1e3)}k`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return String(Math.round(value));
}

/** 1234567 parameters → "1.23 M". */
export function parameters(value: number | null | undefined): string {
  if (!isFiniteNumber(value)) return DASH;
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)} B`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return String(value);
}

/** Seconds as "1 m 05 s", "42 s" or "< 1 s". */
export function duration(seconds: number | null | undefined): string {
  if (!isFiniteNumber(seconds) || seconds < 0) return DASH;
  if (seconds < 1) return '< 1 s';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

/** An input shape such as [null, 28, 28, 1] → "28 × 28 × 1". */
export function shape(dims: readonly (number | null)[]): string {
  const shown = dims.map((d) => (d === null || d < 0 ? '?' : String(d)));
  if (shown.length > 1 && shown[0] === '?') shown.shift();
  return shown.length ? shown.join(' × ') : 'scalar';
}

/** The first characters of a fingerprint (hashes are long). */
export function shortHash(hash: string | null | undefined, length = 10): string {
  if (!hash) return DASH;
  const bare = hash.includes(':') ? hash.slice(hash.indexOf(':') + 1) : hash;
  return bare.slice(0, length);
}

/** An ISO time as "27 Nov 2025, 23:41". */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** A confidence-bin range: [0.9, 0.95) → "0.90–0.95"; equal ends are written once. */
export function range(lower: number, upper: number, digits = 2): string {
  const a = lower.toFixed(digits);
  const b = upper.toFixed(digits);
  return a === b ? a : `${a}–${b}`;
}

/** A range of counts: "1,000–2,000", or "1,000" when the ends are equal. */
export function countRange(lower: number, upper: number): string {
  return lower === upper ? count(lower) : `${count(lower)}–${count(upper)}`;
}

/** Digits that tell a set of edges apart: 0.9993 and 0.9998 need 4 decimals. */
export function rangeDigits(edges: readonly number[]): number {
  let min = Infinity;
  for (let i = 1; i < edges.length; i++) {
    const d = Math.abs(edges[i] - edges[i - 1]);
    if (d > 0) min = Math.min(min, d);
  }
  if (!Number.isFinite(min)) return 2;
  return Math.min(5, Math.max(2, Math.ceil(-Math.log10(min)) + 1));
}

/** "1 file" / "3 files". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/**
 * A confidence near 1 with enough digits to tell it from 1: 0.99996 → "99.996%", never a
 * rounded "100.00%" for a value below 1.
 */
export function confidencePercent(value: number | null | undefined): string {
  if (!isFiniteNumber(value)) return DASH;
  if (value >= 1) return '100%';
  const digits = value >= 0.9999 ? 3 : value >= 0.999 ? 2 : 1;
  const shown = (value * 100).toFixed(digits);
  return Number(shown) >= 100 ? `> ${(100 - 10 ** -digits).toFixed(digits)}%` : `${shown}%`;
}
