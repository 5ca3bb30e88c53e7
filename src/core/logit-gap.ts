import { quantileSorted } from './quantile';
import type { LogitGapSummary } from './types';

/** Top-1 minus top-2 logit per sample (0 when the two largest are equal). Needs K >= 2. */
export function logitGaps(logits: ArrayLike<number>, numClasses: number): Float64Array {
  const n = Math.floor(logits.length / numClasses);
  const gaps = new Float64Array(n);
  for (let i = 0, o = 0; i < n; i++, o += numClasses) {
    let first = -Infinity;
    let second = -Infinity;
    for (let k = 0; k < numClasses; k++) {
      const z = logits[o + k];
      if (z > first) {
        second = first;
        first = z;
      } else if (z > second) {
        second = z;
      }
    }
    gaps[i] = first - second;
  }
  return gaps;
}

/**
 * Summary and histogram of the logit gaps; null with fewer than 2 classes or no samples.
 * The histogram has `bins` equal bins on [0, max gap] ([0, 1] when every gap is 0).
 */
export function logitGapSummary(
  logits: ArrayLike<number>,
  numClasses: number,
  bins = 20,
): LogitGapSummary | null {
  if (numClasses < 2) return null;
  const gaps = logitGaps(logits, numClasses);
  const n = gaps.length;
  if (n === 0) return null;
  const sorted = Float64Array.from(gaps).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += gaps[i];
  const max = sorted[n - 1];
  const top = max > 0 ? max : 1;
  const edges = Array.from({ length: bins + 1 }, (_, b) => (top * b) / bins);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) counts[Math.min(Math.floor((gaps[i] / top) * bins), bins - 1)]++;
  return {
    summary: {
      mean: sum / n,
      median: quantileSorted(sorted, 0.5),
      p10: quantileSorted(sorted, 0.1),
      p90: quantileSorted(sorted, 0.9),
      max,
    },
    histogram: { edges, counts },
  };
}
