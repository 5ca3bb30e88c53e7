import type {
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
 * Equal-width bins whose mean confidence exceeds their accuracy by more than `margin` while
 * the accuracy's Wilson 95% interval lies entirely below the mean confidence.
 */
export function flagOverconfidentBins(bins: ReliabilityBin[], margin: number): FlaggedBin[] {
  const flagged: FlaggedBin[] = [];
  bins.forEach((bin, binIndex) => {
    if (bin.count === 0 || bin.accuracy === null || bin.confidence === null) return;
    if (bin.gap === null || bin.accuracyInterval === null) return;
    if (bin.gap > margin && bin.accuracyInterval[1] < bin.confidence) {
      flagged.push({
        binIndex,
        lower: bin.lower,
        upper: bin.upper,
        count: bin.count,
        accuracy: bin.accuracy,
        confidence: bin.confidence,
        gap: bin.gap,
        accuracyInterval: bin.accuracyInterval,
      });
    }
  });
  return flagged;
}

/**
 * Classes whose classwise-ECE term is at least `ratio` times the average term and at least
 * margin / K: a term is roughly the class's share of the samples (about 1/K) times its
 * calibration gap, so this asks for a gap of about `margin` on the class's own scale.
 * Most standing-out first. Never flags anything with one class.
 */
export function flagClasses(
  perClass: PerClassStats[],
  averageTerm: number,
  ratio: number,
  margin: number,
): FlaggedClass[] {
  const K = perClass.length;
  if (K < 2 || !(averageTerm > 0)) return [];
  return perClass
    .filter((c) => c.classwiseEce >= ratio * averageTerm && c.classwiseEce >= margin / K)
    .map((c) => ({
      classIndex: c.classIndex,
      classwiseEce: c.classwiseEce,
      ratio: c.classwiseEce / averageTerm,
      overconfidenceGap: c.overconfidenceGap,
    }))
    .sort((a, b) => b.ratio - a.ratio || a.classIndex - b.classIndex);
}
