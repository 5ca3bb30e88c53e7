import { describe, expect, it } from 'vitest';
import { optimumLogitGap, smoothBinaryTarget, smoothTargets } from '../../src/core/label-smoothing';

describe('label smoothing (Keras / PyTorch convention)', () => {
  it('reproduces the field notes worked example: K = 3, a = 0.1', () => {
    // y' = y(1 − a) + a/K: true class 0.9 + 0.0333 = 0.9333, others 0.0333.
    const t = smoothTargets([0], 3, 0.1);
    expect(t[0]).toBeCloseTo(0.9333333, 6);
    expect(t[1]).toBeCloseTo(0.0333333, 6);
    expect(t[2]).toBeCloseTo(0.0333333, 6);
    // Gap log((1 − a + a/K)/(a/K)) = log(0.93333/0.03333) = log 28 = 3.3322.
    expect(optimumLogitGap(3, 0.1)).toBeCloseTo(Math.log(28), 12);
    expect(optimumLogitGap(3, 0.1)).toBeCloseTo(3.3322, 4);
  });

  it('the optimum gap turns into the smoothed target under softmax', () => {
    const gap = optimumLogitGap(5, 0.2);
    const e = Math.exp(gap);
    expect(e / (e + 4)).toBeCloseTo(smoothTargets([0], 5, 0.2)[0], 6);
  });

  it('rows sum to 1 and a = 0 leaves one-hot targets', () => {
    const t = smoothTargets([2, 0], 4, 0.3);
    expect(t[0] + t[1] + t[2] + t[3]).toBeCloseTo(1, 6);
    expect(Array.from(smoothTargets([1], 3, 0))).toEqual([0, 1, 0]);
    expect(optimumLogitGap(3, 0)).toBe(Infinity);
  });

  it('smooths binary targets towards 0.5', () => {
    expect(smoothBinaryTarget(1, 0.1)).toBeCloseTo(0.95, 12);
    expect(smoothBinaryTarget(0, 0.1)).toBeCloseTo(0.05, 12);
  });

  it('rejects alpha outside [0, 1] and labels outside [0, K)', () => {
    expect(() => smoothTargets([0], 3, 1.5)).toThrow(RangeError);
    expect(() => smoothTargets([3], 3, 0.1)).toThrow(RangeError);
  });
});
