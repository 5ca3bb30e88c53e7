import { sortByConfidence } from './samples';
import type { BinScheme, ConfidenceHistogram, ReliabilityBin } from './types';

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

/**
 * Index of the equal-width bin of a value in [0, 1]: bins are [m/M, (m+1)/M), the last one
 * closed so that 1.0 is counted in it.
 */
export function equalWidthBinIndex(value: number, binCount: number): number {
  const m = Math.floor(value * binCount);
  return m < 0 ? 0 : m >= binCount ? binCount - 1 : m;
}

/** Number of equal-mass groups actually used: never more groups than samples. */
export function equalMassGroupCount(sampleCount: number, binCount: number): number {
  return Math.min(binCount, sampleCount);
}

/**
 * Start positions (length groups + 1) of equal-mass groups over n sorted samples: position p
 * belongs to group floor(p·groups/n), so group g holds positions [ceil(g·n/groups),
 * ceil((g+1)·n/groups)).
 */
export function equalMassBoundaries(sampleCount: number, groups: number): Float64Array {
  const bounds = new Float64Array(groups + 1);
  for (let g = 0; g <= groups; g++) bounds[g] = Math.ceil((g * sampleCount) / groups);
  return bounds;
}

/** Wilson score interval for a binomial proportion (successes out of trials). */
export function wilsonInterval(successes: number, trials: number, z = Z_95): [number, number] {
  if (trials <= 0) return [0, 1];
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials));
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

/**
 * Reliability bins over top-label confidence. 'equal-width': `binCount` bins [a, b) on [0, 1]
 * (last closed); empty bins have null statistics. 'equal-mass': min(binCount, n) groups of
 * about n / binCount samples in ascending confidence, ties by ascending sample index; lower and
 * upper are the smallest and largest confidence in the group.
 * `order` may pass a precomputed ascending order (see sortByConfidence).
 */
export function reliabilityBins(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  binCount: number,
  scheme: BinScheme = 'equal-width',
  order?: Int32Array,
): ReliabilityBin[] {
  if (!Number.isInteger(binCount) || binCount < 1) {
    throw new RangeError(`binCount must be an integer >= 1, got ${binCount}`);
  }
  const n = confidence.length;
  if (scheme === 'equal-width') {
    const count = new Float64Array(binCount);
    const sumConf = new Float64Array(binCount);
    const sumCorrect = new Float64Array(binCount);
    for (let i = 0; i < n; i++) {
      const m = equalWidthBinIndex(confidence[i], binCount);
      count[m] += 1;
      sumConf[m] += confidence[i];
      sumCorrect[m] += correct[i];
    }
    const bins: ReliabilityBin[] = [];
    for (let m = 0; m < binCount; m++) {
      bins.push(makeBin(m / binCount, (m + 1) / binCount, count[m], sumConf[m], sumCorrect[m]));
    }
    return bins;
  }
  const sorted = order ?? sortByConfidence(confidence);
  const groups = equalMassGroupCount(n, binCount);
  const bounds = equalMassBoundaries(n, groups);
  const bins: ReliabilityBin[] = [];
  for (let g = 0; g < groups; g++) {
    let sumConf = 0;
    let sumCorrect = 0;
    for (let p = bounds[g]; p < bounds[g + 1]; p++) {
      sumConf += confidence[sorted[p]];
      sumCorrect += correct[sorted[p]];
    }
    const lower = confidence[sorted[bounds[g]]];
    const upper = confidence[sorted[bounds[g + 1] - 1]];
    bins.push(makeBin(lower, upper, bounds[g + 1] - bounds[g], sumConf, sumCorrect));
  }
  return bins;
}

function makeBin(
  lower: number,
  upper: number,
  count: number,
  sumConf: number,
  sumCorrect: number,
): ReliabilityBin {
  if (count === 0) {
    return {
      lower,
      upper,
      count: 0,
      accuracy: null,
      confidence: null,
      gap: null,
      accuracyInterval: null,
    };
  }
  const accuracy = sumCorrect / count;
  const confidence = sumConf / count;
  return {
    lower,
    upper,
    count,
    accuracy,
    confidence,
    gap: confidence - accuracy,
    accuracyInterval: wilsonInterval(sumCorrect, count),
  };
}

/** Right and wrong predictions per equal-width confidence bin ([a, b), last closed). */
export function confidenceHistogram(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  binCount = 20,
): ConfidenceHistogram {
  const edges = Array.from({ length: binCount + 1 }, (_, m) => m / binCount);
  const right = new Array<number>(binCount).fill(0);
  const wrong = new Array<number>(binCount).fill(0);
  for (let i = 0; i < confidence.length; i++) {
    const m = equalWidthBinIndex(confidence[i], binCount);
    if (correct[i]) right[m]++;
    else wrong[m]++;
  }
  return { edges, correct: right, wrong };
}
