import { describe, expect, it } from 'vitest';
import { CALIBRATORS } from '../../../../src/core/calibrators/registry';
import { libraryReference } from '../library-reference';

const ref = libraryReference();
const fitOn = (part: { logits: number[][]; labels: number[] }, k: number) => ({
  logits: Float64Array.from(part.logits.flat()),
  labels: Int32Array.from(part.labels),
  numClasses: k,
});

describe('Platt scaling against scikit-learn LogisticRegression(C=inf) on the log-odds', () => {
  it('fits the same a, b and P(y = 1)', () => {
    const fitted = CALIBRATORS.platt.fit(fitOn(ref.binary.calibration, 2));
    expect(Math.abs((fitted.parameters.a as number) - ref.binary.platt.a)).toBeLessThan(1e-4);
    expect(Math.abs((fitted.parameters.b as number) - ref.binary.platt.b)).toBeLessThan(1e-4);
    const probs = fitted.apply(fitOn(ref.binary.evaluation, 2).logits).probs;
    ref.binary.platt.p1.forEach((p1, i) =>
      expect(Math.abs(probs[2 * i + 1] - p1)).toBeLessThan(1e-4),
    );
  });
});
