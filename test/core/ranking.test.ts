import { describe, expect, it } from 'vitest';
import { aurc, misclassificationAuroc, riskCoverageCurve } from '../../src/core/ranking';
import { correctness, topLabel } from '../../src/core/samples';
import { REFERENCE, referencePredictions } from './reference-data';

describe('misclassification AUROC', () => {
  it('is the fraction of (right, wrong) pairs ranked right above wrong', () => {
    // Right at 0.9 and 0.7, wrong at 0.8 and 0.6: 0.9>0.8, 0.9>0.6, 0.7<0.8, 0.7>0.6 → 3/4.
    expect(misclassificationAuroc([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])).toBe(0.75);
  });

  it('counts ties as one half', () => {
    expect(misclassificationAuroc([0.5, 0.5], [1, 0])).toBe(0.5);
    // Right 0.9, 0.5; wrong 0.5: (1 + 0.5)/2.
    expect(misclassificationAuroc([0.9, 0.5, 0.5], [1, 1, 0])).toBe(0.75);
  });

  it('is NaN when every prediction is right or every one is wrong', () => {
    expect(misclassificationAuroc([0.9, 0.6], [1, 1])).toBeNaN();
    expect(misclassificationAuroc([0.9, 0.6], [0, 0])).toBeNaN();
  });
});

describe('AURC', () => {
  it('averages the selective risk over all coverages', () => {
    // Descending: 0.9 R, 0.8 W, 0.7 R, 0.6 W. errors(top k)/k = 0, 1/2, 1/3, 2/4.
    // AURC = (0 + 0.5 + 0.3333 + 0.5)/4 = 1/3.
    expect(aurc([0.6, 0.7, 0.8, 0.9], [0, 1, 0, 1])).toBeCloseTo(1 / 3, 12);
  });

  it('averages over the orders of tied confidences', () => {
    // Tie at 0.9 of one right and one wrong: errors(top 1) = 0.5 (not 0 or 1), errors(top 2) = 1.
    // AURC = (0.5/1 + 1/2)/2 = 0.5, whatever the sample order.
    expect(aurc([0.9, 0.9], [1, 0])).toBeCloseTo(0.5, 12);
    expect(aurc([0.9, 0.9], [0, 1])).toBeCloseTo(0.5, 12);
  });

  it('is 0 when everything is right and 1 when everything is wrong', () => {
    expect(aurc([0.9, 0.6], [1, 1])).toBe(0);
    expect(aurc([0.9, 0.6], [0, 0])).toBe(1);
  });
});

describe('risk-coverage curve', () => {
  it('lists error rates among the most confident', () => {
    const curve = riskCoverageCurve([0.6, 0.7, 0.8, 0.9], [0, 1, 0, 1]);
    expect(curve.coverage).toEqual([0.25, 0.5, 0.75, 1]);
    expect(curve.risk[0]).toBe(0);
    expect(curve.risk[1]).toBe(0.5);
    expect(curve.risk[2]).toBeCloseTo(1 / 3, 12);
    expect(curve.risk[3]).toBe(0.5);
  });

  it('keeps at most about 200 points and ends at full coverage', () => {
    const n = 1000;
    const confidence = Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const correct = confidence.map((c, i) => (i % 3 === 0 ? 0 : 1) * (c > 0 ? 1 : 0));
    const curve = riskCoverageCurve(confidence, correct, 200);
    expect(curve.coverage.length).toBeLessThanOrEqual(200);
    expect(curve.coverage.length).toBeGreaterThan(150);
    expect(curve.coverage.at(-1)).toBe(1);
    expect(curve.risk.at(-1)).toBeCloseTo(334 / 1000, 12);
  });
});

describe('reference data set (scikit-learn / numpy values)', () => {
  it('matches roc_auc_score and the numpy AURC', () => {
    const { probs, labels, numClasses } = referencePredictions();
    const top = topLabel(probs, numClasses);
    const correct = correctness(top.prediction, labels);
    expect(misclassificationAuroc(top.confidence, correct)).toBeCloseTo(
      REFERENCE.misclassificationAuroc,
      12,
    );
    expect(aurc(top.confidence, correct)).toBeCloseTo(REFERENCE.aurc, 12);
  });
});
