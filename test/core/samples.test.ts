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

  it('sorts more than 2^21 float32 confidences (radix path) as the comparator does', () => {
    const n = (1 << 21) + 12345;
    const confidence = new Float32Array(n);
    let x = 12345;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      // Many ties (a 1/4096 grid) and a few exact zeros and ones.
      confidence[i] = (x >>> 20) / 4095;
    }
    const order = sortByConfidence(confidence);
    const expected = Int32Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => confidence[a] - confidence[b] || a - b,
    );
    let mismatches = 0;
    for (let j = 0; j < n; j++) if (order[j] !== expected[j]) mismatches++;
    expect(mismatches).toBe(0);
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
