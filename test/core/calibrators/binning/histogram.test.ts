import { describe, expect, it } from 'vitest';
import { CALIBRATORS } from '../../../../src/core/calibrators/registry';
import { libraryReference, maxProbDifference } from '../library-reference';

const ref = libraryReference();
const K = ref.numClasses;
const fitOn = (part: { logits: number[][]; labels: number[] }, k: number) => ({
  logits: Float64Array.from(part.logits.flat()),
  labels: Int32Array.from(part.labels),
  numClasses: k,
});
const shown = (a: ArrayLike<number>, k: number) => Array.from(a).slice(0, ref.shownRows * k);

describe('histogram binning against netcal on the demo (1e-4)', () => {
  it('histogram binning equals netcal HistogramBinning(bins=10), one-vs-rest, renormalised', () => {
    const fitted = CALIBRATORS.histogram.fit(fitOn(ref.calibration, K));
    const probs = fitted.apply(fitOn(ref.evaluation, K).logits).probs;
    expect(maxProbDifference(shown(probs, K), ref.arms.histogram.probs)).toBeLessThan(1e-4);
  });
});
