import { findTest } from './calibration-tests';
import { SMALL_SAMPLE } from './sample-size';
import type { CalibrationTestFamily, MetricEstimate, ReliabilityBin, Verdict } from './types';

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
  /** The audit's calibration tests, Holm-corrected together (calibration-tests.ts). */
  tests: CalibrationTestFamily;
}

/**
 * The rule, in order:
 * 1. ECE's 95% interval reaches below 1% → well calibrated; worded "not clearly miscalibrated"
 *    when the interval is wider than 5 points (too few samples to tell).
 * 2. The overall test of mean confidence = accuracy is significant (after the Holm correction
 *    over the family of tests) → overconfident or underconfident, by the sign of the gap.
 * 3. Otherwise, if some bins are significantly off (significant after the correction, |gap| >
 *    binGapMargin), the verdict is "mixed" and its kind follows the side with more
 *    sample-weighted gap; if no bin is, the model counts as well calibrated (not clearly
 *    miscalibrated when the ECE interval is wide or there are under 200 samples).
 * Every way to a verdict other than "well calibrated" needs a rejection in the family, so a
 * calibrated model gets one with probability at most the family's alpha (5%).
 * Without intervals the point values stand in for them.
 */
export function calibrationVerdict(inputs: VerdictInputs): Verdict {
  const { ece, bins, binGapMargin, tests } = inputs;
  const numbers = describe(inputs);
  const wide = ece.ci95[1] - ece.ci95[0] > WIDE_ECE_INTERVAL;
  if (ece.ci95[0] < WELL_CALIBRATED_ECE) {
    const label = wide ? 'Not clearly miscalibrated (too few samples to tell)' : 'Well calibrated';
    return { kind: 'well-calibrated', text: `${label}: ${numbers}` };
  }
  const overall = findTest(tests, 'overall', 0);
  if (overall?.significant) {
    return overall.gap > 0
      ? { kind: 'overconfident', text: `Overconfident: ${numbers}` }
      : { kind: 'underconfident', text: `Underconfident: ${numbers}` };
  }

  let over = 0;
  let under = 0;
  bins.forEach((bin, b) => {
    if (bin.count === 0 || bin.gap === null) return;
    if (!findTest(tests, 'bin', b)?.significant) return;
    if (bin.gap > binGapMargin) over += bin.count * bin.gap;
    if (-bin.gap > binGapMargin) under -= bin.count * bin.gap;
  });
  if (over === 0 && under === 0) {
    const small = (overall?.count ?? 0) < SMALL_SAMPLE;
    const label =
      wide || small
        ? 'Not clearly miscalibrated (too few samples to tell)'
        : 'Well calibrated (no bin differs significantly)';
    return { kind: 'well-calibrated', text: `${label}: ${numbers}` };
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
