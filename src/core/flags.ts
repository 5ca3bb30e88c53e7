import { findTest } from './calibration-tests';
import type {
  CalibrationTestFamily,
  FlaggedBin,
  FlaggedClass,
  FlaggedSample,
  PerClassStats,
  ReliabilityBin,
} from './types';

/**
 * Wrong predictions with confidence >= threshold, most confident first (ties: lower index
 * first), at most `max` of them, and how many there are in all.
 */
export function flagConfidentErrors(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  labels: ArrayLike<number>,
  prediction: ArrayLike<number>,
  threshold: number,
  max: number,
): { samples: FlaggedSample[]; total: number } {
  const hits: number[] = [];
  for (let i = 0; i < confidence.length; i++) {
    if (!correct[i] && confidence[i] >= threshold) hits.push(i);
  }
  hits.sort((a, b) => confidence[b] - confidence[a] || a - b);
  const samples = hits.slice(0, max).map((index) => ({
    index,
    label: labels[index],
    prediction: prediction[index],
    confidence: confidence[index],
  }));
  return { samples, total: hits.length };
}

/**
 * Equal-width bins that are significantly overconfident: the bin holds at least
 * MIN_TEST_COUNT samples (it was tested), its mean confidence exceeds its accuracy by more than
 * `margin`, and its calibration test is significant after the Holm correction over the whole
 * family (calibration-tests.ts). A bin of one sample is never flagged.
 */
export function flagOverconfidentBins(
  bins: ReliabilityBin[],
  margin: number,
  family: CalibrationTestFamily,
): FlaggedBin[] {
  const flagged: FlaggedBin[] = [];
  bins.forEach((bin, binIndex) => {
    if (bin.count === 0 || bin.accuracy === null || bin.confidence === null) return;
    if (bin.gap === null || bin.accuracyInterval === null) return;
    const test = findTest(family, 'bin', binIndex);
    if (!test?.significant || !(bin.gap > margin)) return;
    flagged.push({
      binIndex,
      lower: bin.lower,
      upper: bin.upper,
      count: bin.count,
      accuracy: bin.accuracy,
      confidence: bin.confidence,
      gap: bin.gap,
      accuracyInterval: bin.accuracyInterval,
      pValue: test.pValue,
      adjustedPValue: test.adjustedPValue,
    });
  });
  return flagged;
}

/**
 * Classes whose predictions are significantly overconfident: predicted at least MIN_TEST_COUNT
 * times, mean confidence of those predictions above their precision by more than `margin`, and
 * the class's calibration test significant after the Holm correction over the family. Most
 * overconfident first. `ratio` is the class's classwise-ECE term over the average term (0 when
 * the average is 0), kept as context. Never flags anything with one class.
 */
export function flagClasses(
  perClass: PerClassStats[],
  averageTerm: number,
  margin: number,
  family: CalibrationTestFamily,
): FlaggedClass[] {
  const K = perClass.length;
  if (K < 2) return [];
  const flagged: FlaggedClass[] = [];
  for (const c of perClass) {
    const test = findTest(family, 'class', c.classIndex);
    if (!test?.significant || !(test.gap > margin)) continue;
    flagged.push({
      classIndex: c.classIndex,
      classwiseEce: c.classwiseEce,
      ratio: averageTerm > 0 ? c.classwiseEce / averageTerm : 0,
      overconfidenceGap: c.overconfidenceGap,
      predicted: {
        count: test.count,
        accuracy: test.accuracy,
        confidence: test.confidence,
        gap: test.gap,
      },
      pValue: test.pValue,
      adjustedPValue: test.adjustedPValue,
    });
  }
  return flagged.sort(
    (a, b) => (b.predicted?.gap ?? 0) - (a.predicted?.gap ?? 0) || a.classIndex - b.classIndex,
  );
}
