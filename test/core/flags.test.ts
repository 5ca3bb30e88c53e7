import { describe, expect, it } from 'vitest';
import { reliabilityBins } from '../../src/core/binning';
import { flagClasses, flagConfidentErrors, flagOverconfidentBins } from '../../src/core/flags';
import type { PerClassStats } from '../../src/core/types';

describe('flagConfidentErrors', () => {
  it('lists wrong predictions at or above the threshold, most confident first', () => {
    const confidence = [0.95, 0.99, 0.9, 0.95, 0.5, 0.97];
    const correct = [0, 0, 0, 0, 0, 1];
    const labels = [1, 2, 0, 0, 1, 2];
    const prediction = [0, 0, 1, 2, 0, 2];
    const { samples, total } = flagConfidentErrors(confidence, correct, labels, prediction, 0.9, 3);
    // Wrong and >= 0.9: samples 0 (0.95), 1 (0.99), 2 (0.9), 3 (0.95); tie 0/3 by index.
    expect(total).toBe(4);
    expect(samples.map((s) => s.index)).toEqual([1, 0, 3]);
    expect(samples[0]).toEqual({ index: 1, label: 2, prediction: 0, confidence: 0.99 });
  });
});

describe('flagOverconfidentBins', () => {
  it('needs a gap above the margin and a Wilson interval below the confidence', () => {
    // Bin 9: 20 samples at 0.95 with 10 right: gap 0.45, Wilson upper 0.70 < 0.95 → flagged.
    // Bin 5: 4 samples at 0.55 with 1 right: gap 0.30 but Wilson upper 0.70 > 0.55 → not.
    const confidence = [...Array(20).fill(0.95), ...Array(4).fill(0.55)];
    const correct = [...Array(10).fill(1), ...Array(10).fill(0), 1, 0, 0, 0];
    const bins = reliabilityBins(confidence, correct, 10);
    const flagged = flagOverconfidentBins(bins, 0.02);
    expect(flagged.map((b) => b.binIndex)).toEqual([9]);
    expect(flagged[0].gap).toBeCloseTo(0.45, 12);
    expect(flagged[0].accuracyInterval[1]).toBeLessThan(0.95);
  });
});

describe('flagClasses', () => {
  const stats = (terms: number[]): PerClassStats[] =>
    terms.map((classwiseEce, classIndex) => ({
      classIndex,
      count: 10,
      predictedCount: 10,
      accuracy: 0.8,
      averageConfidence: 0.9,
      classwiseEce,
      overconfidenceGap: 0.1,
    }));

  it('flags terms at least ratio × average and at least margin / K', () => {
    // Terms 0.002, 0.002, 0.002, 0.024: average 0.0075; 0.024 is 3.2× and above 0.02/4.
    const flagged = flagClasses(stats([0.002, 0.002, 0.002, 0.024]), 0.0075, 2, 0.02);
    expect(flagged).toHaveLength(1);
    expect(flagged[0].classIndex).toBe(3);
    expect(flagged[0].ratio).toBeCloseTo(3.2, 12);
  });

  it('ignores standouts too small to matter', () => {
    // 0.0024 is 3.2× the average 0.00075 but below 0.02/4 = 0.005.
    expect(flagClasses(stats([0.0002, 0.0002, 0.0002, 0.0024]), 0.00075, 2, 0.02)).toEqual([]);
  });
});
