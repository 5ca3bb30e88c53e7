import { describe, expect, it } from 'vitest';
import { CALIBRATORS } from '../../../src/core/calibrators/registry';
import { CALIBRATOR_IDS } from '../../../src/core/calibrators/types';
import { expectedCalibrationError, negativeLogLikelihood } from '../../../src/core/metrics';
import { correctness, topLabel } from '../../../src/core/samples';
import { syntheticPredictions } from '../synthetic';

const ece = (probs: Float32Array, labels: Int32Array, K: number) => {
  const top = topLabel(probs, K);
  return expectedCalibrationError(top.confidence, correctness(top.prediction, labels), 15);
};

/** One table over every registered calibrator: the same contract for each. */
describe.each(CALIBRATOR_IDS.map((id) => [id, CALIBRATORS[id]] as const))(
  '%s',
  (id, calibrator) => {
    const K = calibrator.appliesTo(4) ? 4 : 2;
    // Overconfident synthetic model (scale 6 where 3 is calibrated); fit on one half, test on another.
    const fitSet = syntheticPredictions(3000, K, 11, { margin: 2, scale: 5 });
    const testSet = syntheticPredictions(3000, K, 12, { margin: 2, scale: 5 });

    let cached: ReturnType<typeof calibrator.fit> | null = null;
    const fit = () =>
      (cached ??= calibrator.fit({ logits: fitSet.logits!, labels: fitSet.labels, numClasses: K }));

    it('is registered under its own id and describes itself', () => {
      expect(calibrator.id).toBe(id);
      expect(calibrator.name.length).toBeGreaterThan(3);
      expect(calibrator.reference.length).toBeGreaterThan(3);
      expect(['scaling', 'binning']).toContain(calibrator.family);
    });

    it('fits plain-JSON parameters and maps logits to probability rows', () => {
      const fitted = fit();
      expect(fitted.id).toBe(id);
      expect(JSON.parse(JSON.stringify(fitted.parameters))).toEqual(fitted.parameters);
      const out = fitted.apply(testSet.logits!);
      expect(out.probs.length).toBe(testSet.labels.length * K);
      for (let i = 0; i < testSet.labels.length; i++) {
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const p = out.probs[i * K + k];
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
          sum += p;
        }
        expect(sum).toBeCloseTo(1, 5);
      }
      if (calibrator.family === 'scaling') expect(out.logits).not.toBeNull();
      else expect(out.logits).toBeNull();
    });

    it('improves the NLL and ECE of an overconfident model on data it was not fitted on', () => {
      const fitted = fit();
      const out = fitted.apply(testSet.logits!);
      const before = negativeLogLikelihood(testSet.probs, testSet.labels, K);
      const after = negativeLogLikelihood(out.probs, testSet.labels, K);
      expect(after).toBeLessThan(before);
      expect(ece(out.probs, testSet.labels, K)).toBeLessThan(
        ece(testSet.probs, testSet.labels, K) / 2,
      );
    });

    it('restores from its JSON parameters to the same numbers (a saved map reproduces its arm)', () => {
      const fitted = fit();
      const saved = JSON.parse(JSON.stringify(fitted.parameters));
      const restored = calibrator.restore(saved, K, fitted.summary);
      expect(Array.from(restored.apply(testSet.logits!).probs)).toEqual(
        Array.from(fitted.apply(testSet.logits!).probs),
      );
    });

    it('refuses bad input with one clear message', () => {
      expect(() => calibrator.fit({ logits: [], labels: [], numClasses: K })).toThrow(/no samples/);
      expect(() =>
        calibrator.fit({ logits: new Float32Array(3 * K), labels: [0, K, 0], numClasses: K }),
      ).toThrow(/label 1 is/);
      expect(() =>
        calibrator.fit({ logits: [NaN, ...new Array(K - 1).fill(0)], labels: [0], numClasses: K }),
      ).toThrow(/not a finite number/);
      expect(() => calibrator.fit({ logits: [1, 2, 3], labels: [0, 1], numClasses: K })).toThrow(
        /expected 2×/,
      );
      const fitted = fit();
      expect(() => fitted.apply(new Float32Array(K + 1))).toThrow(/multiple of/);
    });
  },
);

describe('the registry', () => {
  it('has Platt for binary models only and every other calibrator for any K >= 2', () => {
    expect(CALIBRATORS.platt.appliesTo(2)).toBe(true);
    expect(CALIBRATORS.platt.appliesTo(3)).toBe(false);
    for (const id of CALIBRATOR_IDS.filter((c) => c !== 'platt')) {
      expect(CALIBRATORS[id].appliesTo(2) && CALIBRATORS[id].appliesTo(10)).toBe(true);
    }
    expect(() =>
      CALIBRATORS.platt.fit({ logits: new Float32Array(9), labels: [0, 1, 2], numClasses: 3 }),
    ).toThrow(/does not apply to 3 classes/);
  });
});
