import type { MetricEstimate, ReliabilityBin, Verdict } from './types';

/**
 * ECE whose 95% interval reaches below this counts as well calibrated (Guo et al.'s
 * temperature-scaled CIFAR/ImageNet models land at 0.8–1.9%).
 */
export const WELL_CALIBRATED_ECE = 0.01;

/** An ECE interval wider than this says too little to call a model well calibrated outright. */
export const WIDE_ECE_INTERVAL = 0.05;

export interface VerdictInputs {
  ece: MetricEstimate;
  overconfidenceGap: MetricEstimate;
  averageConfidence: MetricEstimate;
  accuracy: MetricEstimate;
  /** Equal-width reliability bins, used when the overall gap is not conclusive. */
  bins: ReliabilityBin[];
  /** Smallest |confidence − accuracy| of a bin that counts (binGapMargin). */
  binGapMargin: number;
  /** False when there are no bootstrap intervals (ci95 = [value, value]). */
  hasIntervals: boolean;
}

/**
 * The rule, in order:
 * 1. ECE's 95% interval reaches below 1% → well calibrated; worded "not clearly miscalibrated"
 *    when the interval is wider than 5 points (too few samples to tell).
 * 2. The interval of mean confidence − accuracy lies above 0 → overconfident; below 0 →
 *    underconfident.
 * 3. Otherwise the errors cancel out overall. If some bins are significantly off (|gap| >
 *    binGapMargin and the bin's Wilson interval excludes its mean confidence), the verdict is
 *    "mixed" and its kind follows the side with more sample-weighted gap; if no bin is, the ECE
 *    is within binning noise and the model counts as well calibrated.
 * Without intervals the point values stand in for them.
 */
export function calibrationVerdict(inputs: VerdictInputs): Verdict {
  const { ece, overconfidenceGap: gap, bins, binGapMargin } = inputs;
  const numbers = describe(inputs);
  if (ece.ci95[0] < WELL_CALIBRATED_ECE) {
    const wide = ece.ci95[1] - ece.ci95[0] > WIDE_ECE_INTERVAL;
    const label = wide ? 'Not clearly miscalibrated (too few samples to tell)' : 'Well calibrated';
    return { kind: 'well-calibrated', text: `${label}: ${numbers}` };
  }
  if (gap.ci95[0] > 0) return { kind: 'overconfident', text: `Overconfident: ${numbers}` };
  if (gap.ci95[1] < 0) return { kind: 'underconfident', text: `Underconfident: ${numbers}` };

  let over = 0;
  let under = 0;
  for (const bin of bins) {
    if (bin.count === 0 || bin.gap === null || bin.confidence === null) continue;
    if (bin.accuracyInterval === null) continue;
    const [lo, hi] = bin.accuracyInterval;
    if (bin.gap > binGapMargin && hi < bin.confidence) over += bin.count * bin.gap;
    if (-bin.gap > binGapMargin && lo > bin.confidence) under -= bin.count * bin.gap;
  }
  if (over === 0 && under === 0) {
    return {
      kind: 'well-calibrated',
      text: `Well calibrated (no bin differs significantly): ${numbers}`,
    };
  }
  return over >= under
    ? { kind: 'overconfident', text: `Mixed, mostly overconfident: ${numbers}` }
    : { kind: 'underconfident', text: `Mixed, mostly underconfident: ${numbers}` };
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function describe(inputs: VerdictInputs): string {
  const { ece, averageConfidence, accuracy, hasIntervals } = inputs;
  const interval = hasIntervals
    ? ` (95% CI ${(ece.ci95[0] * 100).toFixed(1)}–${percent(ece.ci95[1])})`
    : '';
  return (
    `${percent(averageConfidence.value)} mean confidence, ${percent(accuracy.value)} accuracy, ` +
    `ECE ${percent(ece.value)}${interval}`
  );
}
