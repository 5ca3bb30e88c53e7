import { equalWidthBinIndex } from './binning';
import {
  addToMoments,
  binomialCdf,
  calibrationPValue,
  emptyMoments,
  holmAdjust,
  type GroupMoments,
} from './significance';
import type { CalibrationTest, CalibrationTestFamily, ReliabilityBin } from './types';

/** Family-wise error rate of the audit's flags and verdict. */
export const FAMILY_ALPHA = 0.05;

/**
 * A bin or a class is tested (and so can be flagged) only with at least this many predictions:
 * fewer say almost nothing about calibration, and leaving them out of the family keeps the
 * correction from diluting the tests that can say something.
 */
export const MIN_TEST_COUNT = 10;

/** The rule in one sentence, for the views, the CLI and the docs. */
export const FLAG_RULE =
  `A bin or class is flagged only when it holds at least ${MIN_TEST_COUNT} predictions, its ` +
  `gap exceeds the margin (2 points by default), and its test of "accuracy = mean ` +
  `confidence" (exact binomial for small groups) is ` +
  `significant after a Holm–Bonferroni correction over every bin, class and the overall gap ` +
  `tested (family-wise error ${Math.round(FAMILY_ALPHA * 100)}%).`;

/**
 * One family of calibration tests over the top-label predictions: the overall gap, every
 * equal-width bin and the predictions of every class (top-label calibration given the predicted
 * class), each two-sided (see significance.ts), bins and classes only with at least
 * MIN_TEST_COUNT predictions, then Holm–Bonferroni over all of them at FAMILY_ALPHA: the chance
 * that a calibrated model gets any rejection is at most FAMILY_ALPHA.
 */
export function calibrationTests(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  prediction: ArrayLike<number>,
  numClasses: number,
  binCount: number,
): CalibrationTestFamily {
  const overall = emptyMoments();
  const bins = Array.from({ length: binCount }, emptyMoments);
  const classes = Array.from({ length: numClasses }, emptyMoments);
  for (let i = 0; i < confidence.length; i++) {
    const c = confidence[i];
    const r = correct[i] ? 1 : 0;
    addToMoments(overall, c, r);
    addToMoments(bins[equalWidthBinIndex(c, binCount)], c, r);
    if (numClasses > 1) addToMoments(classes[prediction[i]], c, r);
  }
  const tests: CalibrationTest[] = [];
  const add = (kind: CalibrationTest['kind'], index: number, m: GroupMoments) => {
    const accuracy = m.successes / m.count;
    const meanConfidence = m.sumP / m.count;
    tests.push({
      kind,
      index,
      count: m.count,
      accuracy,
      confidence: meanConfidence,
      gap: meanConfidence - accuracy,
      pValue: calibrationPValue(m),
      adjustedPValue: 1,
      significant: false,
    });
  };
  if (overall.count > 0) add('overall', 0, overall);
  bins.forEach((m, b) => {
    if (m.count >= MIN_TEST_COUNT) add('bin', b, m);
  });
  classes.forEach((m, k) => {
    if (m.count >= MIN_TEST_COUNT) add('class', k, m);
  });
  const adjusted = holmAdjust(tests.map((t) => t.pValue));
  tests.forEach((t, i) => {
    t.adjustedPValue = adjusted[i];
    t.significant = adjusted[i] <= FAMILY_ALPHA;
  });
  return { alpha: FAMILY_ALPHA, minCount: MIN_TEST_COUNT, method: 'holm', tests };
}

/** The test of one bin or class in a family, if it was tested. */
export function findTest(
  family: CalibrationTestFamily | undefined,
  kind: CalibrationTest['kind'],
  index: number,
): CalibrationTest | undefined {
  return family?.tests.find((t) => t.kind === kind && t.index === index);
}

/**
 * Which of the bins a view shows (any binning, equal-width or equal-mass) are significantly
 * overconfident by the same rule, with the family made of those bins alone: at least
 * MIN_TEST_COUNT samples, gap above `margin`, and the exact two-sided Binomial(n, mean
 * confidence) test significant after Holm over the tested bins. For a view that re-bins the data
 * the audit's own family does not apply; this keeps its markers under the same 5% control.
 */
export function significantBins(
  bins: readonly ReliabilityBin[],
  margin: number,
  alpha = FAMILY_ALPHA,
): boolean[] {
  const tested: number[] = [];
  const pValues: number[] = [];
  bins.forEach((bin, i) => {
    if (bin.count < MIN_TEST_COUNT || bin.accuracy === null || bin.confidence === null) return;
    const k = Math.round(bin.accuracy * bin.count);
    const lower = binomialCdf(k, bin.count, bin.confidence);
    const upper = 1 - binomialCdf(k - 1, bin.count, bin.confidence);
    tested.push(i);
    pValues.push(Math.min(1, 2 * Math.min(lower, upper)));
  });
  const adjusted = holmAdjust(pValues);
  const flagged = bins.map(() => false);
  tested.forEach((i, j) => {
    const gap = bins[i].gap;
    flagged[i] = adjusted[j] <= alpha && gap !== null && gap > margin;
  });
  return flagged;
}
