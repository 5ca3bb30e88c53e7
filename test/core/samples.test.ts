import { describe, expect, it } from 'vitest';
import {
  correctness,
  sortByConfidence,
  topLabel,
  validatePredictions,
} from '../../src/core/samples';

describe('topLabel', () => {
  it('takes the max probability, the lowest index on ties', () => {
    const { confidence, prediction } = topLabel([0.2, 0.5, 0.3, 0.4, 0.4, 0.2], 3);
    expect(Array.from(confidence)).toEqual([0.5, 0.4]);
    expect(Array.from(prediction)).toEqual([1, 0]);
    expect(Array.from(correctness(prediction, [1, 1]))).toEqual([1, 0]);
  });
});

describe('sortByConfidence', () => {
  it('sorts ascending with ties by sample index (float32 fast path)', () => {
    const order = sortByConfidence(Float32Array.from([0.5, 0.25, 0.5, 1, 0]));
    expect(Array.from(order)).toEqual([4, 1, 0, 2, 3]);
  });

  it('sorts general numbers the same way', () => {
    const order = sortByConfidence([0.1 + 0.2, 0.3, 0.1 + 0.2, -1]);
    // 0.1 + 0.2 = 0.30000000000000004 > 0.3 and is not a float32: comparator path.
    expect(Array.from(order)).toEqual([3, 1, 0, 2]);
  });
});

describe('validatePredictions', () => {
  const ok = {
    numClasses: 2,
    labels: Int32Array.from([0, 1]),
    probs: Float32Array.from([0.6, 0.4, 0.3, 0.7]),
  };

  it('accepts consistent input', () => {
    expect(() => validatePredictions(ok)).not.toThrow();
  });

  it('names the problem', () => {
    expect(() => validatePredictions({ ...ok, numClasses: 0 })).toThrow(/numClasses/);
    expect(() => validatePredictions({ ...ok, probs: Float32Array.from([0.6, 0.4]) })).toThrow(
      /probs has 2 values, expected 2 samples × 2 classes/,
    );
    expect(() => validatePredictions({ ...ok, labels: Int32Array.from([0, 2]) })).toThrow(
      /label 2 of sample 1/,
    );
    expect(() =>
      validatePredictions({ ...ok, probs: Float32Array.from([0.6, 0.4, NaN, 0.7]) }),
    ).toThrow(/probability NaN of sample 1/);
    expect(() =>
      validatePredictions({ ...ok, logits: Float32Array.from([1, 2, Infinity, 0]) }),
    ).toThrow(/logit Infinity of sample 1/);
  });
});
