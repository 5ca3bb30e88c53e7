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
});
