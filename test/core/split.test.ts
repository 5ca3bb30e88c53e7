import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random';
import { stratifiedSplit, stratifiedSplitSizes } from '../../src/core/split';

describe('stratifiedSplit', () => {
  // 3 classes of 100, 50 and 7 samples, interleaved.
  const labels = [
    ...Array.from({ length: 100 }, () => 0),
    ...Array.from({ length: 50 }, () => 1),
    ...Array.from({ length: 7 }, () => 2),
  ].map((y, i, all) => all[(i * 37) % all.length] ?? y);
  const fractions = { finetune: 0.6, calibration: 0.2, evaluation: 0.2 };

  it('puts every index in exactly one set', () => {
    const split = stratifiedSplit(labels, fractions, 1);
    const all = [...split.finetune, ...split.calibration, ...split.evaluation].sort(
      (a, b) => a - b,
    );
    expect(all).toEqual(labels.map((_, i) => i));
  });

  it('keeps the class proportions in every set', () => {
    const split = stratifiedSplit(labels, fractions, 1);
    const countOf = (set: Int32Array, y: number) =>
      Array.from(set).filter((i) => labels[i] === y).length;
    for (const y of [0, 1, 2]) {
      const total = labels.filter((l) => l === y).length;
      expect(Math.abs(countOf(split.finetune, y) - 0.6 * total)).toBeLessThan(1);
      expect(Math.abs(countOf(split.calibration, y) - 0.2 * total)).toBeLessThan(1);
      expect(Math.abs(countOf(split.evaluation, y) - 0.2 * total)).toBeLessThan(1);
    }
  });

  it('is reproducible with a seed and changes with another', () => {
    expect(stratifiedSplit(labels, fractions, 5)).toEqual(stratifiedSplit(labels, fractions, 5));
    expect(stratifiedSplit(labels, fractions, 6).finetune).not.toEqual(
      stratifiedSplit(labels, fractions, 5).finetune,
    );
  });

  it('normalises fractions and allows empty parts', () => {
    const split = stratifiedSplit(labels, { finetune: 0, calibration: 1, evaluation: 1 }, 2);
    expect(split.finetune).toHaveLength(0);
    expect(split.calibration.length + split.evaluation.length).toBe(labels.length);
    expect(() => stratifiedSplit(labels, { finetune: 0, calibration: 0, evaluation: 0 })).toThrow(
      RangeError,
    );
  });
});

describe('stratifiedSplitSizes', () => {
  it('gives exactly the sizes stratifiedSplit makes, for any seed', () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 20; trial++) {
      const K = 1 + rng.nextInt(12);
      const labels = Int32Array.from({ length: 20 + rng.nextInt(300) }, () => rng.nextInt(K));
      const counts = new Array<number>(K).fill(0);
      for (const y of labels) counts[y]++;
      const fractions = { finetune: 0.5, calibration: 0.25, evaluation: 0.25 };
      const split = stratifiedSplit(labels, fractions, trial);
      expect(stratifiedSplitSizes(counts, fractions)).toEqual({
        finetune: split.finetune.length,
        calibration: split.calibration.length,
        evaluation: split.evaluation.length,
      });
    }
  });

  it('is not the naive rounding of the total (the preview once said 57/29/28, the run 56/29/29)', () => {
    // 15 classes of 7 (quotas 3.5/1.75/1.75: 3/2/2) and one of 9 (4.5/2.25/2.25: 5/2/2).
    const counts = [...Array(15).fill(7), 9];
    const sizes = stratifiedSplitSizes(counts, {
      finetune: 0.5,
      calibration: 0.25,
      evaluation: 0.25,
    });
    expect(sizes.finetune + sizes.calibration + sizes.evaluation).toBe(114);
    expect(sizes).toEqual({ finetune: 50, calibration: 32, evaluation: 32 });
  });
});
