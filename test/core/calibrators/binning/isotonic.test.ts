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

describe('isotonic regression against scikit-learn on the demo (1e-4)', () => {
  it('isotonic regression equals scikit-learn CalibratedClassifierCV(method="isotonic")', () => {
    const fitted = CALIBRATORS.isotonic.fit(fitOn(ref.calibration, K));
    const probs = fitted.apply(fitOn(ref.evaluation, K).logits).probs;
    expect(maxProbDifference(shown(probs, K), ref.arms.isotonic.probs)).toBeLessThan(1e-4);
  });

  it('binary isotonic (one map on P(y = 1)) equals scikit-learn', () => {
    const fitted = CALIBRATORS.isotonic.fit(fitOn(ref.binary.calibration, 2));
    const probs = fitted.apply(fitOn(ref.binary.evaluation, 2).logits).probs;
    ref.binary.isotonic.p1.forEach((p1, i) =>
      expect(Math.abs(probs[2 * i + 1] - p1)).toBeLessThan(1e-4),
    );
  });
});
