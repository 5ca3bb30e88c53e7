import { describe, expect, it } from 'vitest';
import { confusionMatrix, perClassStats } from '../../src/core/per-class';

describe('per-class statistics', () => {
  // Labels 0, 0, 1, 2; predictions 0, 1, 1, 1; confidences 0.9, 0.6, 0.8, 0.7.
  const labels = [0, 0, 1, 2];
  const prediction = [0, 1, 1, 1];
  const confidence = [0.9, 0.6, 0.8, 0.7];

  it('builds the confusion matrix with rows = truth', () => {
    expect(confusionMatrix(labels, prediction, 3)).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [0, 1, 0],
    ]);
  });

  it('computes recall, mean confidence and gap per true class', () => {
    const stats = perClassStats(labels, prediction, confidence, 3, [0.1, 0.2, 0.3]);
    // Class 0: 2 samples, 1 right → recall 0.5; mean confidence 0.75; gap 0.25.
    expect(stats[0]).toEqual({
      classIndex: 0,
      count: 2,
      predictedCount: 1,
      accuracy: 0.5,
      averageConfidence: 0.75,
      classwiseEce: 0.1,
      overconfidenceGap: 0.25,
    });
    expect(stats[1].predictedCount).toBe(3);
    expect(stats[2].accuracy).toBe(0);
  });

  it('reports null for a class without samples', () => {
    const stats = perClassStats([0], [0], [0.9], 2, [0, 0]);
    expect(stats[1]).toMatchObject({
      count: 0,
      accuracy: null,
      averageConfidence: null,
      overconfidenceGap: null,
    });
  });
});
