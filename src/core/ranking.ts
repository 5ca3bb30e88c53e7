import { sortByConfidence } from './samples';
import type { RiskCoverageCurve } from './types';

/**
 * AUROC of confidence as a score separating right (positive) from wrong predictions: the
 * probability that a random right prediction is more confident than a random wrong one, ties
 * counting 1/2. NaN when every prediction is right or every one is wrong.
 */
export function misclassificationAuroc(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  order?: Int32Array,
): number {
  const sorted = order ?? sortByConfidence(confidence);
  const n = sorted.length;
  let wrongBelow = 0;
  let sum = 0;
  let totalRight = 0;
  for (let start = 0; start < n;) {
    let end = start;
    let right = 0;
    let wrong = 0;
    const c = confidence[sorted[start]];
    while (end < n && confidence[sorted[end]] === c) {
      if (correct[sorted[end]]) right++;
      else wrong++;
      end++;
    }
    sum += right * (wrongBelow + 0.5 * wrong);
    wrongBelow += wrong;
    totalRight += right;
    start = end;
  }
  return totalRight === 0 || wrongBelow === 0 ? NaN : sum / (totalRight * wrongBelow);
}

/**
 * Expected errors among the k most confident samples for k = 0..n. Within a run of equal
 * confidences the errors are spread evenly (the mean over all orders of the tie), so the
 * curve does not depend on how ties happen to be ordered.
 */
export function errorsAmongMostConfident(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  order?: Int32Array,
): Float64Array {
  const sorted = order ?? sortByConfidence(confidence);
  const n = sorted.length;
  const errors = new Float64Array(n + 1);
  let k = 0;
  for (let end = n; end > 0;) {
    let start = end - 1;
    const c = confidence[sorted[start]];
    while (start > 0 && confidence[sorted[start - 1]] === c) start--;
    let wrong = 0;
    for (let p = start; p < end; p++) if (!correct[sorted[p]]) wrong++;
    const size = end - start;
    const before = errors[k];
    for (let j = 1; j <= size; j++) errors[k + j] = before + (wrong * j) / size;
    k += size;
    end = start;
  }
  return errors;
}

/**
 * Area under the risk-coverage curve: samples by descending confidence,
 * AURC = (1/n) Σ_{k=1..n} errors(top k) / k, confidence ties averaged.
 */
export function aurc(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  order?: Int32Array,
): number {
  const errors = errorsAmongMostConfident(confidence, correct, order);
  const n = errors.length - 1;
  if (n === 0) return NaN;
  let sum = 0;
  for (let k = 1; k <= n; k++) sum += errors[k] / k;
  return sum / n;
}

/**
 * Risk (error rate among the k most confident) against coverage k/n, at most about
 * `maxPoints` evenly spaced values of k, always including k = n.
 */
export function riskCoverageCurve(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  maxPoints = 200,
  order?: Int32Array,
): RiskCoverageCurve {
  const errors = errorsAmongMostConfident(confidence, correct, order);
  const n = errors.length - 1;
  const coverage: number[] = [];
  const risk: number[] = [];
  const points = Math.min(n, Math.max(1, maxPoints));
  let previous = 0;
  for (let j = 1; j <= points; j++) {
    const k = Math.max(1, Math.round((j * n) / points));
    if (k === previous) continue;
    previous = k;
    coverage.push(k / n);
    risk.push(errors[k] / k);
  }
  return { coverage, risk };
}
