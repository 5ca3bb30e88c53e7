import { describe, expect, it } from 'vitest';
import { applyOneVsRest, fitOneVsRest } from '../../../../src/core/calibrators/binning/one-vs-rest';

describe('fitOneVsRest and applyOneVsRest', () => {
  const logits = [2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 1, 0];
  const labels = [0, 1, 2, 0];

  it('fits one map per class on (p_k, [y = k])', () => {
    const fitted = fitOneVsRest({ logits, labels, numClasses: 3 }, (scores, hits) => ({
      n: scores.length,
      positives: hits.reduce((s, h) => s + h, 0),
    }));
    expect(fitted).toEqual([
      { n: 4, positives: 2 },
      { n: 4, positives: 1 },
      { n: 4, positives: 1 },
    ]);
  });

  it('applies the maps and renormalises each row', () => {
    const out = applyOneVsRest([(p) => p / 2, (p) => p, (p) => p * p], 3)(logits, 4);
    for (let i = 0; i < 4; i++) {
      expect(out.probs[3 * i] + out.probs[3 * i + 1] + out.probs[3 * i + 2]).toBeCloseTo(1, 6);
    }
    expect(out.logits).toBeNull();
  });

  it('makes a row whose maps all give 0 uniform (as scikit-learn does)', () => {
    const zero = () => 0;
    expect(Array.from(applyOneVsRest([zero, zero, zero], 3)([1, 2, 3], 1).probs)).toEqual(
      [1 / 3, 1 / 3, 1 / 3].map(Math.fround),
    );
  });

  it('fits a binary model once, on P(y = 1), and sets P(y = 0) = 1 − P(y = 1)', () => {
    const fitted = fitOneVsRest({ logits: [0, 1, 0, -1], labels: [1, 0], numClasses: 2 }, (s) =>
      Array.from(s),
    );
    expect(fitted).toHaveLength(1);
    const out = applyOneVsRest([() => 0.3], 2)([0, 5], 1);
    expect(out.probs[1]).toBeCloseTo(0.3, 6);
    expect(out.probs[0]).toBeCloseTo(0.7, 6);
    expect(() => applyOneVsRest([() => 0.3, () => 0.7], 2)).toThrow(/expected 1 class maps/);
  });
});
