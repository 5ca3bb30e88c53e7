import { describe, expect, it } from 'vitest';
import { fitOneVsRest } from '../../../../src/core/calibrators/binning/one-vs-rest';

describe('fitOneVsRest', () => {
  const logits = [2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 1, 0];
  const labels = [0, 1, 2, 0];

  it('fits one map per class on (p_k, [y = k]) and renormalises each row', () => {
    const seen: number[] = [];
    const { perClass, apply } = fitOneVsRest({ logits, labels, numClasses: 3 }, (scores, hits) => {
      seen.push(hits.reduce((s, h) => s + h, 0));
      return { map: (p) => p / 2, parameters: scores.length };
    });
    expect(seen).toEqual([2, 1, 1]);
    expect(perClass).toEqual([4, 4, 4]);
    const out = apply(logits, 4);
    for (let i = 0; i < 4; i++) {
      expect(out.probs[3 * i] + out.probs[3 * i + 1] + out.probs[3 * i + 2]).toBeCloseTo(1, 6);
    }
    expect(out.logits).toBeNull();
  });

  it('makes a row whose maps all give 0 uniform (as scikit-learn does)', () => {
    const { apply } = fitOneVsRest({ logits, labels, numClasses: 3 }, () => ({
      map: () => 0,
      parameters: null,
    }));
    expect(Array.from(apply([1, 2, 3], 1).probs)).toEqual([1 / 3, 1 / 3, 1 / 3].map(Math.fround));
  });

  it('fits a binary model once, on P(y = 1), and sets P(y = 0) = 1 − P(y = 1)', () => {
    let calls = 0;
    const { apply } = fitOneVsRest({ logits: [0, 1, 0, -1], labels: [1, 0], numClasses: 2 }, () => {
      calls++;
      return { map: () => 0.3, parameters: null };
    });
    expect(calls).toBe(1);
    const out = apply([0, 5], 1);
    expect(out.probs[1]).toBeCloseTo(0.3, 6);
    expect(out.probs[0]).toBeCloseTo(0.7, 6);
  });
});
