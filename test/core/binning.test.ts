import { describe, expect, it } from 'vitest';
import {
  confidenceHistogram,
  equalMassBoundaries,
  equalWidthBinIndex,
  reliabilityBins,
  wilsonInterval,
} from '../../src/core/binning';

describe('equalWidthBinIndex', () => {
  it('uses [a, b) bins with the last one closed', () => {
    expect(equalWidthBinIndex(0, 15)).toBe(0);
    expect(equalWidthBinIndex(0.999, 15)).toBe(14);
    // Confidence exactly 1.0 lands in the last bin, not in a hidden 16th one.
    expect(equalWidthBinIndex(1, 15)).toBe(14);
    expect(equalWidthBinIndex(0.5, 10)).toBe(5);
    expect(equalWidthBinIndex(0.4999, 10)).toBe(4);
  });
});

describe('wilsonInterval', () => {
  it('matches the score interval formula', () => {
    // 8/10, z = 1.959964: z²/n = 0.384146; centre (0.8 + 0.192073)/1.384146 = 0.716740;
    // half-width 1.959964/1.384146 · sqrt(0.016 + 0.0096036) = 0.226578 → [0.490162, 0.943318].
    const [lo, hi] = wilsonInterval(8, 10);
    expect(lo).toBeCloseTo(0.490162, 5);
    expect(hi).toBeCloseTo(0.943318, 5);
  });

  it('stays inside [0, 1] at the extremes', () => {
    const [lo0, hi0] = wilsonInterval(0, 5);
    expect(lo0).toBe(0);
    expect(hi0).toBeGreaterThan(0.4);
    const [lo1, hi1] = wilsonInterval(5, 5);
    expect(hi1).toBe(1);
    expect(lo1).toBeLessThan(0.6);
  });
});

describe('reliabilityBins, equal-width', () => {
  // Confidences 0.05, 0.15, 0.95, 1.0 with 2 of the last 3 right; 10 bins.
  const confidence = [0.05, 0.15, 0.95, 1.0];
  const correct = [0, 1, 1, 0];
  const bins = reliabilityBins(confidence, correct, 10);

  it('has one entry per bin with edges m/M', () => {
    expect(bins).toHaveLength(10);
    expect(bins[3].lower).toBeCloseTo(0.3);
    expect(bins[3].upper).toBeCloseTo(0.4);
  });

  it('reports empty bins with null statistics', () => {
    expect(bins[5]).toEqual({
      lower: 0.5,
      upper: 0.6,
      count: 0,
      accuracy: null,
      confidence: null,
      gap: null,
      accuracyInterval: null,
    });
  });

  it('counts confidence 1.0 in the last bin', () => {
    // Bin 9 holds 0.95 (right) and 1.0 (wrong): accuracy 0.5, confidence 0.975, gap 0.475.
    expect(bins[9].count).toBe(2);
    expect(bins[9].accuracy).toBe(0.5);
    expect(bins[9].confidence).toBeCloseTo(0.975, 12);
    expect(bins[9].gap).toBeCloseTo(0.475, 12);
    expect(bins[9].accuracyInterval).toEqual(wilsonInterval(1, 2));
  });
});

describe('reliabilityBins, equal-mass', () => {
  it('splits sorted samples into groups of about n/M, position p in group floor(p·M/n)', () => {
    // n = 10, M = 3: groups start at ceil(0), ceil(10/3) = 4, ceil(20/3) = 7 → sizes 4, 3, 3.
    expect(Array.from(equalMassBoundaries(10, 3))).toEqual([0, 4, 7, 10]);
    const confidence = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4, 0.5, 0.55];
    const correct = [1, 0, 1, 0, 1, 0, 1, 0, 1, 1];
    const bins = reliabilityBins(confidence, correct, 3, 'equal-mass');
    expect(bins.map((b) => b.count)).toEqual([4, 3, 3]);
    // Group 0: 0.1, 0.2, 0.3, 0.4 (all wrong); group 1: 0.5, 0.55, 0.6; group 2: 0.7, 0.8, 0.9.
    expect(bins[0].lower).toBe(0.1);
    expect(bins[0].upper).toBe(0.4);
    expect(bins[0].accuracy).toBe(0);
    expect(bins[0].confidence).toBeCloseTo(0.25, 12);
    expect(bins[1].confidence).toBeCloseTo(0.55, 12);
    expect(bins[2].accuracy).toBe(1);
  });

  it('breaks ties by sample index and never makes more groups than samples', () => {
    // All tied: sample order decides; samples 0, 1 go to group 0 and 2 to group 1 (n = 3, M = 2).
    const bins = reliabilityBins([0.5, 0.5, 0.5], [1, 1, 0], 2, 'equal-mass');
    expect(bins.map((b) => b.accuracy)).toEqual([1, 0]);
    expect(reliabilityBins([0.5, 0.6], [1, 0], 15, 'equal-mass')).toHaveLength(2);
  });
});

describe('confidenceHistogram', () => {
  it('splits right and wrong predictions over 20 bins', () => {
    const h = confidenceHistogram([0.01, 0.5, 0.5, 1.0], [1, 0, 1, 0], 20);
    expect(h.edges).toHaveLength(21);
    expect(h.edges[20]).toBe(1);
    expect(h.correct[0]).toBe(1);
    expect(h.correct[10]).toBe(1);
    expect(h.wrong[10]).toBe(1);
    expect(h.wrong[19]).toBe(1);
    expect(h.correct.reduce((a, b) => a + b) + h.wrong.reduce((a, b) => a + b)).toBe(4);
  });
});
