import { describe, expect, it } from 'vitest';
import { logitGaps, logitGapSummary } from '../../src/core/logit-gap';

describe('logit gap', () => {
  it('is top-1 minus top-2 logit', () => {
    // Rows (3, 1, 0) → 2; (0, 5) → 5; (2, 2, 1) → 0; sigmoid-style (0, −1.5) → 1.5.
    expect(Array.from(logitGaps([3, 1, 0, 2, 2, 1], 3))).toEqual([2, 0]);
    expect(Array.from(logitGaps([0, 5, 0, -1.5], 2))).toEqual([5, 1.5]);
  });

  it('summarises with numpy-style percentiles and a histogram on [0, max]', () => {
    // Gaps 1, 2, 3, 4, 5: mean 3, median 3, p10 1.4, p90 4.6, max 5.
    const s = logitGapSummary([1, 0, 2, 0, 3, 0, 4, 0, 5, 0], 2, 5)!;
    expect(s.summary).toEqual({ mean: 3, median: 3, p10: 1.4, p90: 4.6, max: 5 });
    expect(s.histogram.edges).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.histogram.counts).toEqual([0, 1, 1, 1, 2]);
  });

  it('is null with one class', () => {
    expect(logitGapSummary([1, 2], 1)).toBeNull();
  });
});
