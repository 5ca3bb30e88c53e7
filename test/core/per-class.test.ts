import type { PerClassStats } from '../../src/core/types';
import { describe, expect, it } from 'vitest';
import { confusionMatrix, perClassStats, perClassSummary } from '../../src/core/per-class';

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

describe('perClassSummary', () => {
  const stats = (
    rows: [count: number, accuracy: number | null, gap: number | null][],
  ): PerClassStats[] =>
    rows.map(([count, accuracy, gap], classIndex) => ({
      classIndex,
      count,
      predictedCount: count,
      accuracy,
      averageConfidence: accuracy === null || gap === null ? null : accuracy + gap,
      classwiseEce: 0.01,
      overconfidenceGap: gap,
    }));
  const name = (k: number) => ['cat', 'dog', 'fox'][k];

  it('never says no class stands out beside a large gap: it names it and says why', () => {
    const text = perClassSummary(
      stats([
        [500, 0.9, 0.01],
        [12, 0.417, 0.345],
        [500, 0.95, 0],
      ]),
      [],
      name,
    );
    expect(text).toBe(
      'no class flagged (no class’s predictions significantly overconfident after correction); ' +
        'largest gap dog +34.5 pts (41.7% recall on 12 samples), not flagged: its predictions are ' +
        'not significantly overconfident after the correction',
    );
  });

  it('names the flagged classes and says when small classes cannot be judged', () => {
    const flagged = [
      {
        classIndex: 2,
        classwiseEce: 0.02,
        ratio: 2,
        overconfidenceGap: 0.05,
        predicted: { count: 300, accuracy: 0.8, confidence: 0.9, gap: 0.1 },
      },
    ];
    expect(
      perClassSummary(
        stats([
          [500, 0.9, 0],
          [500, 0.9, 0],
          [500, 0.85, 0.05],
        ]),
        flagged,
        name,
      ),
    ).toBe('1 class flagged: predictions significantly overconfident after correction (fox)');
    expect(
      perClassSummary(
        stats([
          [500, 0.9, 0],
          [5, 0.8, 0.05],
          [0, null, null],
        ]),
        [],
        name,
      ),
    ).toBe('no class flagged; classes under 10 samples cannot be judged');
  });
});
