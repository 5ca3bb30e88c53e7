import { describe, expect, it } from 'vitest';
import { stratifiedSplit } from '../../src/core/split';

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
