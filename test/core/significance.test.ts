import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random';
import {
  addToMoments,
  binomialCdf,
  calibrationPValue,
  emptyMoments,
  holmAdjust,
  normalCdf,
  regularizedBeta,
} from '../../src/core/significance';

/** Exact Poisson-binomial P(X ≤ k) by dynamic programming. */
function poissonBinomialCdf(p: number[], k: number): number {
  let pmf = new Float64Array(p.length + 1);
  pmf[0] = 1;
  p.forEach((q, j) => {
    const next = new Float64Array(p.length + 1);
    for (let x = 0; x <= j; x++) {
      next[x] += pmf[x] * (1 - q);
      next[x + 1] += pmf[x] * q;
    }
    pmf = next;
  });
  let sum = 0;
  for (let x = 0; x <= k; x++) sum += pmf[x];
  return sum;
}

describe('distribution functions (values from scipy 1.x)', () => {
  it('binomial CDF', () => {
    expect(binomialCdf(3, 20, 0.3)).toBeCloseTo(0.10708680450373087, 12);
    expect(binomialCdf(990, 1000, 0.995)).toBeCloseTo(0.03146523851129185, 12);
    expect(binomialCdf(45000, 100000, 0.45) / 0.5013101821980166).toBeCloseTo(1, 9);
    expect(binomialCdf(-1, 10, 0.5)).toBe(0);
    expect(binomialCdf(10, 10, 0.5)).toBe(1);
  });

  it('regularised incomplete beta and normal CDF', () => {
    expect(regularizedBeta(0.3, 2.5, 4)).toBeCloseTo(0.3521975859067672, 12);
    expect(normalCdf(-3.2) / 0.0006871379379158471).toBeCloseTo(1, 6);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7); // erfcc: relative error below 1.2e-7
  });
});

describe('calibrationPValue', () => {
  it('is the exact two-sided binomial p-value for a group of equal confidences', () => {
    const m = emptyMoments();
    for (let i = 0; i < 20; i++) addToMoments(m, 0.9, i < 14 ? 1 : 0);
    // 14 of 20 right at 0.9: P(X ≤ 14) = 0.0113; two-sided doubles it.
    expect(calibrationPValue(m)).toBeCloseTo(2 * binomialCdf(14, 20, 0.9), 12);
  });

  it('gives a single wrong sample no significance', () => {
    const m = emptyMoments();
    addToMoments(m, 0.97, 0);
    expect(calibrationPValue(m)).toBeGreaterThan(0.05);
  });

  it('matches the exact Poisson-binomial tail where it uses the normal approximation', () => {
    const rng = new Rng(3);
    const p = Array.from({ length: 600 }, () => 0.3 + 0.69 * rng.nextFloat());
    const mean = p.reduce((a, b) => a + b, 0);
    const variance = p.reduce((a, q) => a + q * (1 - q), 0);
    expect(variance).toBeGreaterThan(100);
    for (const sd of [2, 3, 3.5]) {
      const k = Math.floor(mean - sd * Math.sqrt(variance));
      const m = emptyMoments();
      p.forEach((q, i) => addToMoments(m, q, i < k ? 1 : 0));
      const exact = 2 * poissonBinomialCdf(p, k);
      expect(calibrationPValue(m) / exact).toBeGreaterThan(0.9);
      expect(calibrationPValue(m) / exact).toBeLessThan(1.15);
    }
  });

  it('is conservative (never below the exact value) on the binomial path', () => {
    const rng = new Rng(4);
    const p = Array.from({ length: 120 }, () => 0.9 + 0.0999 * rng.nextFloat());
    const m0 = emptyMoments();
    p.forEach((q) => addToMoments(m0, q, 1));
    expect(m0.sumPQ).toBeLessThan(100);
    const mean = m0.sumP;
    for (const k of [Math.floor(mean - 4), Math.floor(mean - 7), Math.floor(mean - 10)]) {
      const m = emptyMoments();
      p.forEach((q, i) => addToMoments(m, q, i < k ? 1 : 0));
      expect(calibrationPValue(m)).toBeGreaterThanOrEqual(2 * poissonBinomialCdf(p, k) * 0.999);
    }
  });
});

describe('holmAdjust', () => {
  it('steps down through the sorted p-values', () => {
    // m = 4: 0.01·4 = 0.04, 0.02·3 = 0.06, 0.03·2 = 0.06, 0.5·1 = 0.5.
    const adjusted = holmAdjust([0.03, 0.5, 0.01, 0.02]);
    expect(adjusted[2]).toBeCloseTo(0.04, 12);
    expect(adjusted[3]).toBeCloseTo(0.06, 12);
    expect(adjusted[0]).toBeCloseTo(0.06, 12);
    expect(adjusted[1]).toBeCloseTo(0.5, 12);
    expect(holmAdjust([0.9, 0.8])).toEqual([1, 1]);
  });
});
