import { describe, expect, it } from 'vitest';
import { computePointEstimates } from '../../src/core/point-estimates';
import { METRIC_NAMES } from '../../src/core/types';
import { REFERENCE, referencePredictions } from './reference-data';

describe('computePointEstimates', () => {
  it('gives every metric of the reference data set', () => {
    const point = computePointEstimates(referencePredictions(), 15);
    const expected: Partial<Record<(typeof METRIC_NAMES)[number], number>> = {
      accuracy: REFERENCE.accuracy,
      averageConfidence: REFERENCE.averageConfidence,
      ece: REFERENCE.ece,
      mce: REFERENCE.mce,
      adaptiveEce: REFERENCE.adaptiveEce,
      classwiseEce: REFERENCE.classwiseEce,
      nll: REFERENCE.nll,
      brier: REFERENCE.brier,
      misclassificationAuroc: REFERENCE.misclassificationAuroc,
      aurc: REFERENCE.aurc,
    };
    for (const [name, value] of Object.entries(expected)) {
      expect(point.values[name as keyof typeof expected], name).toBeCloseTo(value, 12);
    }
    expect(point.values.overconfidenceGap).toBeCloseTo(
      REFERENCE.averageConfidence - REFERENCE.accuracy,
      12,
    );
    REFERENCE.classwiseTerms.forEach((t, k) =>
      expect(point.classwisePerClass[k]).toBeCloseTo(t, 12),
    );
    expect(Math.abs(point.values.smoothEce - point.smoothBandwidth)).toBeLessThan(1e-5);
    expect(Array.from(point.order)).toHaveLength(12);
  });
});
