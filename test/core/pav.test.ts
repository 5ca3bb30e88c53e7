import { describe, expect, it } from 'vitest';
import { isotonicFit, isotonicPredict, pavInto, pavPooled, pavScratch } from '../../src/core/pav';

describe('isotonicFit', () => {
  it('pools adjacent violators into their weighted mean', () => {
    const fit = isotonicFit([1, 2, 3, 4, 5], [1, 3, 2, 2, 5]);
    expect(Array.from(fit.y)).toEqual([1, 7 / 3, 7 / 3, 7 / 3, 5]);
  });

  it('pools equal x first, then fits', () => {
    const fit = isotonicFit([2, 1, 2, 3], [0, 1, 1, 0]);
    expect(Array.from(fit.x)).toEqual([1, 2, 3]);
    expect(Array.from(fit.weight)).toEqual([1, 2, 1]);
    // 1, 0.5, 0 violates twice: everything pools to the mean 0.5.
    expect(Array.from(fit.y)).toEqual([0.5, 0.5, 0.5]);
  });

  it('minimises the squared error among non-decreasing fits (brute-force check)', () => {
    const x = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const y = [0, 1, 0, 0, 1, 1];
    const fit = isotonicFit(x, y);
    const sse = (f: ArrayLike<number>) => y.reduce((s, v, i) => s + (v - f[i]) ** 2, 0);
    // Every non-decreasing step function with values on a 1/12 grid.
    let best = Infinity;
    const grid = Array.from({ length: 13 }, (_, i) => i / 12);
    const walk = (i: number, prev: number, acc: number[]) => {
      if (i === y.length) {
        best = Math.min(best, sse(acc));
        return;
      }
      for (const g of grid) if (g >= prev) walk(i + 1, g, [...acc, g]);
    };
    walk(0, 0, []);
    expect(sse(fit.y)).toBeLessThanOrEqual(best + 1e-12);
  });

  it('predicts linearly between the fitted points and clips beyond them', () => {
    const fit = { x: [0.2, 0.6], y: [0.1, 0.5] };
    expect(isotonicPredict(fit, 0)).toBe(0.1);
    expect(isotonicPredict(fit, 0.4)).toBeCloseTo(0.3, 12);
    expect(isotonicPredict(fit, 0.9)).toBe(0.5);
  });

  it('pavPooled agrees with isotonicFit on pooled input', () => {
    const fit = isotonicFit([1, 2, 2, 3, 4], [1, 0, 0, 1, 0]);
    expect(Array.from(pavPooled([1, 0, 1, 0], [1, 2, 1, 1]))).toEqual(Array.from(fit.y));
  });
});

describe('pavInto (the CORP band refits: sums, reused stacks, the fit at chosen points)', () => {
  it('gives pavPooled fit, everywhere and at chosen indices', () => {
    let state = 9;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    const m = 500;
    const weight = Float64Array.from({ length: m }, () => 1 + Math.floor(next() * 3));
    const sum = Float64Array.from(weight, (w) => Math.floor(next() * (w + 1)));
    const mean = Float64Array.from(sum, (s, j) => s / weight[j]);
    const expected = pavPooled(mean, weight);
    const scratch = pavScratch(m);
    const out = pavInto(sum, weight, new Float64Array(m), scratch);
    for (let j = 0; j < m; j++) expect(out[j]).toBeCloseTo(expected[j], 14);
    const at = Int32Array.from([0, 7, 8, 250, 499]);
    const picked = pavInto(sum, weight, new Float64Array(at.length), scratch, at);
    expect(Array.from(picked).map((v) => v.toFixed(12))).toEqual(
      Array.from(at, (j) => expected[j].toFixed(12)),
    );
  });
});
