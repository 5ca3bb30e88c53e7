import { equalMassBoundaries, equalMassGroupCount, equalWidthBinIndex } from './binning';
import { sortByConfidence } from './samples';

/** Probabilities are clipped to [PROB_CLIP, 1 − PROB_CLIP] for NLL, as Keras does. */
export const PROB_CLIP = 1e-7;

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return values.length === 0 ? NaN : sum / values.length;
}

/** Fraction of right predictions (correct is 1/0 per sample). */
export function accuracy(correct: ArrayLike<number>): number {
  return mean(correct);
}

/** Mean top-label confidence. */
export function averageConfidence(confidence: ArrayLike<number>): number {
  return mean(confidence);
}

/** Mean confidence minus accuracy: positive means overconfident. */
export function overconfidenceGap(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
): number {
  return mean(confidence) - mean(correct);
}

/** −log p_i,y_i per sample, p clipped to [1e-7, 1 − 1e-7]. */
export function nllPerSampleFromProbs(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): Float64Array {
  const out = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const p = probs[i * numClasses + labels[i]];
    out[i] = -Math.log(Math.min(Math.max(p, PROB_CLIP), 1 - PROB_CLIP));
  }
  return out;
}

/** −log softmax(z_i)_y_i per sample, computed stably from logits. */
export function nllPerSampleFromLogits(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): Float64Array {
  const out = new Float64Array(labels.length);
  for (let i = 0, o = 0; i < labels.length; i++, o += numClasses) {
    let max = -Infinity;
    for (let k = 0; k < numClasses; k++) if (logits[o + k] > max) max = logits[o + k];
    let sum = 0;
    for (let k = 0; k < numClasses; k++) sum += Math.exp(logits[o + k] - max);
    out[i] = max + Math.log(sum) - logits[o + labels[i]];
  }
  return out;
}

/** Mean negative log-likelihood from probabilities (clipped to [1e-7, 1 − 1e-7]). */
export function negativeLogLikelihood(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): number {
  return mean(nllPerSampleFromProbs(probs, labels, numClasses));
}

/** Mean negative log-likelihood from logits through log-softmax. */
export function negativeLogLikelihoodFromLogits(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): number {
  return mean(nllPerSampleFromLogits(logits, labels, numClasses));
}

/** Σ_k (p_ik − [y_i = k])² per sample, in [0, 2]. */
export function brierPerSample(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): Float64Array {
  const out = new Float64Array(labels.length);
  for (let i = 0, o = 0; i < labels.length; i++, o += numClasses) {
    let sum = 0;
    for (let k = 0; k < numClasses; k++) sum += probs[o + k] * probs[o + k];
    out[i] = sum - 2 * probs[o + labels[i]] + 1;
  }
  return out;
}

/** Multiclass Brier score (1/n) Σ_i Σ_k (p_ik − [y_i = k])², range [0, 2]. */
export function brierScore(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): number {
  return mean(brierPerSample(probs, labels, numClasses));
}

function equalWidthGaps(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  binCount: number,
): { count: Float64Array; diff: Float64Array } {
  const count = new Float64Array(binCount);
  const diff = new Float64Array(binCount);
  for (let i = 0; i < confidence.length; i++) {
    const m = equalWidthBinIndex(confidence[i], binCount);
    count[m] += 1;
    diff[m] += confidence[i] - correct[i];
  }
  return { count, diff };
}

/**
 * Expected calibration error (Guo et al. 2017): Σ_m |B_m|/n · |acc(B_m) − conf(B_m)| over
 * equal-width bins [a, b) (last closed); empty bins add 0.
 */
export function expectedCalibrationError(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  binCount = 15,
): number {
  const n = confidence.length;
  if (n === 0) return NaN;
  const { diff } = equalWidthGaps(confidence, correct, binCount);
  let sum = 0;
  for (let m = 0; m < binCount; m++) sum += Math.abs(diff[m]);
  return sum / n;
}

/** Maximum calibration error: the largest |acc − conf| over non-empty equal-width bins. */
export function maxCalibrationError(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  binCount = 15,
): number {
  if (confidence.length === 0) return NaN;
  const { count, diff } = equalWidthGaps(confidence, correct, binCount);
  let max = 0;
  for (let m = 0; m < binCount; m++) {
    if (count[m] > 0) max = Math.max(max, Math.abs(diff[m]) / count[m]);
  }
  return max;
}

/**
 * Adaptive (equal-mass) ECE: like ECE over min(binCount, n) groups of about n / binCount
 * samples in ascending confidence, ties broken by ascending sample index.
 */
export function adaptiveCalibrationError(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  binCount = 15,
  order?: Int32Array,
): number {
  const n = confidence.length;
  if (n === 0) return NaN;
  const sorted = order ?? sortByConfidence(confidence);
  const groups = equalMassGroupCount(n, binCount);
  const bounds = equalMassBoundaries(n, groups);
  let sum = 0;
  for (let g = 0; g < groups; g++) {
    let diff = 0;
    for (let p = bounds[g]; p < bounds[g + 1]; p++)
      diff += confidence[sorted[p]] - correct[sorted[p]];
    sum += Math.abs(diff);
  }
  return sum / n;
}

/**
 * Classwise ECE (Kull et al. 2019): (1/K) Σ_k Σ_m |B_mk|/n · |frac(y = k in B_mk) − mean p_k
 * in B_mk|, with B_mk the samples whose p_ik falls in equal-width bin m. `perClass[k]` is
 * class k's inner sum, so value is their mean.
 */
export function classwiseCalibrationError(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  binCount = 15,
): { value: number; perClass: Float64Array } {
  const n = labels.length;
  const diff = new Float64Array(numClasses * binCount);
  for (let i = 0, o = 0; i < n; i++, o += numClasses) {
    for (let k = 0; k < numClasses; k++) {
      const p = probs[o + k];
      diff[k * binCount + equalWidthBinIndex(p, binCount)] += p - (labels[i] === k ? 1 : 0);
    }
  }
  const perClass = new Float64Array(numClasses);
  let total = 0;
  for (let k = 0; k < numClasses; k++) {
    let sum = 0;
    for (let m = 0; m < binCount; m++) sum += Math.abs(diff[k * binCount + m]);
    perClass[k] = n === 0 ? NaN : sum / n;
    total += perClass[k];
  }
  return { value: total / numClasses, perClass };
}
