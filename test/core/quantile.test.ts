import { describe, expect, it } from 'vitest';
import { percentileInterval95, quantileSorted } from '../../src/core/quantile';

describe('quantiles', () => {
  it('interpolates linearly like numpy.percentile', () => {
    // numpy.percentile([1, 2, 3, 4], [25, 50, 90]) = [1.75, 2.5, 3.7].
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 12);
  });

  it('skips undefined values and reports NaN when none are left', () => {
    // Values 0..100: 2.5th and 97.5th percentiles are 2.5 and 97.5.
    const values = [NaN, ...Array.from({ length: 101 }, (_, i) => 100 - i)];
    expect(percentileInterval95(values)).toEqual([2.5, 97.5]);
    expect(percentileInterval95([NaN, NaN])).toEqual([NaN, NaN]);
  });
});
