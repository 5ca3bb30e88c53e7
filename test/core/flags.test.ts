import { describe, expect, it } from 'vitest';
import { reliabilityBins } from '../../src/core/binning';
import { calibrationTests } from '../../src/core/calibration-tests';
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
  it('needs a significant corrected test, a gap above the margin and enough samples', () => {
    // Bin 9: 20 samples at 0.95 with 10 right: gap 0.45, binomial p ≈ 1e-9 → flagged.
    // Bin 5: 4 samples at 0.55 with 1 right: gap 0.30 but under 10 samples → not tested.
    const confidence = [...Array(20).fill(0.95), ...Array(4).fill(0.55)];
    const correct = [...Array(10).fill(1), ...Array(10).fill(0), 1, 0, 0, 0];
    const bins = reliabilityBins(confidence, correct, 10);
    const family = calibrationTests(
      confidence,
      correct,
      confidence.map(() => 0),
      1,
      10,
    );
    const flagged = flagOverconfidentBins(bins, 0.02, family);
    expect(flagged.map((b) => b.binIndex)).toEqual([9]);
    expect(flagged[0].gap).toBeCloseTo(0.45, 12);
    expect(flagged[0].adjustedPValue).toBeLessThan(0.05);
    expect(family.tests.some((t) => t.kind === 'bin' && t.index === 5)).toBe(false);
  });

  it('does not flag a gap within the margin, however significant', () => {
    // 10,000 samples at 0.95, 94.0% right: significant, but a gap of 1 point.
    const confidence = Array(10000).fill(0.95);
    const correct = confidence.map((_, i) => (i < 9400 ? 1 : 0));
    const bins = reliabilityBins(confidence, correct, 10);
    const family = calibrationTests(
      confidence,
      correct,
      confidence.map(() => 0),
      1,
      10,
    );
    expect(family.tests.find((t) => t.kind === 'bin')?.significant).toBe(true);
    expect(flagOverconfidentBins(bins, 0.02, family)).toEqual([]);
  });
});

describe('flagClasses', () => {
  const stats = (K: number): PerClassStats[] =>
    Array.from({ length: K }, (_, classIndex) => ({
      classIndex,
      count: 10,
      predictedCount: 10,
      accuracy: 0.8,
      averageConfidence: 0.9,
      classwiseEce: 0.01,
      overconfidenceGap: 0.1,
    }));

  it('flags the classes whose predictions are significantly overconfident', () => {
    // Class 0 predicted 200 times at 0.9, 150 right; class 1 200 times at 0.9, 180 right.
    const confidence = Array(400).fill(0.9);
    const prediction = confidence.map((_, i) => (i < 200 ? 0 : 1));
    const correct = confidence.map((_, i) => (i < 150 || (i >= 200 && i < 380) ? 1 : 0));
    const family = calibrationTests(confidence, correct, prediction, 2, 15);
    const flagged = flagClasses(stats(2), 0.01, 0.02, family);
    expect(flagged.map((c) => c.classIndex)).toEqual([0]);
    expect(flagged[0].predicted?.count).toBe(200);
    expect(flagged[0].predicted?.accuracy).toBe(0.75);
    expect(flagged[0].predicted?.gap).toBeCloseTo(0.15, 12);
    expect(flagged[0].ratio).toBe(1);
  });

  it('never flags anything with one class', () => {
    const confidence = Array(100).fill(0.9);
    const family = calibrationTests(
      confidence,
      confidence.map(() => 0),
      confidence.map(() => 0),
      1,
      15,
    );
    expect(flagClasses(stats(1), 0.01, 0.02, family)).toEqual([]);
  });
});
