import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random';

describe('Rng', () => {
  it('is reproducible per seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('draws floats in [0, 1) and integers in [0, n)', () => {
    const rng = new Rng(1);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const f = rng.nextFloat();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      sum += f;
      const k = rng.nextInt(7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
    }
    expect(sum / 10000).toBeCloseTo(0.5, 1);
  });

  it('draws multinomial counts that sum to n with mean 1', () => {
    const counts = new Int32Array(5000);
    const rng = new Rng(3);
    rng.fillMultinomialCounts(counts);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(5000);
    // About e^-1 = 36.8% of the cells stay empty.
    const empty = counts.filter((c) => c === 0).length / 5000;
    expect(empty).toBeGreaterThan(0.34);
    expect(empty).toBeLessThan(0.4);
    const again = new Int32Array(5000);
    new Rng(3).fillMultinomialCounts(again);
    expect(again).toEqual(counts);
  });

  it('shuffles into a permutation', () => {
    const v = new Rng(9).shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(v).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  /** Pearson's chi-square of draws against the exact Binomial(n, p) pmf, cells pooled to >= 20 expected. */
  function binomialChiSquare(n: number, p: number, draws: number, seed: number) {
    const pmf = new Float64Array(n + 1);
    // log pmf by the recursion from k = 0, in float64 (n is small here).
    let log = n * Math.log(1 - p);
    for (let k = 0; k <= n; k++) {
      pmf[k] = Math.exp(log);
      log += Math.log(((n - k) * p) / ((k + 1) * (1 - p)));
    }
    const seen = new Float64Array(n + 1);
    const rng = new Rng(seed);
    let sum = 0;
    let squares = 0;
    let outside = 0;
    for (let d = 0; d < draws; d++) {
      const x = rng.nextBinomial(n, p);
      if (!(Number.isInteger(x) && x >= 0 && x <= n)) outside++;
      seen[x]++;
      sum += x;
      squares += x * x;
    }
    let chi = 0;
    let cells = 0;
    let expected = 0;
    let observed = 0;
    for (let k = 0; k <= n; k++) {
      expected += pmf[k] * draws;
      observed += seen[k];
      if (expected >= 20 || k === n) {
        chi += ((observed - expected) * (observed - expected)) / expected;
        cells++;
        expected = 0;
        observed = 0;
      }
    }
    expect(outside).toBe(0);
    const mean = sum / draws;
    return { chi, cells, mean, variance: squares / draws - mean * mean };
  }

  it('draws binomial variates with the exact distribution, by inversion and by BTPE', () => {
    // (n, p): inversion (n·p < 30), BTPE near and far from the mode, p > 0.5 by symmetry.
    for (const [n, p] of [
      [40, 0.2],
      [200, 0.3],
      [5000, 0.02],
      [300, 0.9],
      [1000, 0.5],
    ]) {
      const { chi, cells, mean, variance } = binomialChiSquare(n, p, 200_000, n);
      // The 99.99th percentile of chi-square with d − 1 degrees of freedom is below d + 6·sqrt(2d) + 20.
      expect(chi).toBeLessThan(cells + 6 * Math.sqrt(2 * cells) + 20);
      expect(mean).toBeCloseTo(n * p, 0);
      expect(Math.abs(variance / (n * p * (1 - p)) - 1)).toBeLessThan(0.03);
    }
    const rng = new Rng(5);
    expect(rng.nextBinomial(0, 0.5)).toBe(0);
    expect(rng.nextBinomial(10, 0)).toBe(0);
    expect(rng.nextBinomial(10, 1)).toBe(10);
  });

  it('draws a uniform multinomial of any total over few cells in O(cells)', () => {
    const cells = 2000;
    const total = 10_000_000;
    const counts = new Int32Array(cells);
    const rng = new Rng(11);
    let sumOfSquares = 0;
    const rounds = 20;
    for (let round = 0; round < rounds; round++) {
      rng.fillUniformMultinomial(counts, total);
      let sum = 0;
      for (const c of counts) {
        sum += c;
        sumOfSquares += (c - total / cells) ** 2;
      }
      expect(sum).toBe(total);
    }
    // Each cell is Binomial(total, 1/cells): variance total·(1/cells)·(1 − 1/cells).
    const variance = sumOfSquares / (rounds * cells);
    expect(variance / (total * (1 / cells) * (1 - 1 / cells))).toBeGreaterThan(0.95);
    expect(variance / (total * (1 / cells) * (1 - 1 / cells))).toBeLessThan(1.05);
  });
});
