import { describe, expect, it } from 'vitest';
import {
  accuracy,
  adaptiveCalibrationError,
  averageConfidence,
  brierScore,
  classwiseCalibrationError,
  expectedCalibrationError,
  maxCalibrationError,
  negativeLogLikelihood,
  negativeLogLikelihoodFromLogits,
  overconfidenceGap,
} from '../../src/core/metrics';
import { correctness, topLabel } from '../../src/core/samples';
import { REFERENCE, referencePredictions } from './reference-data';

describe('ECE and MCE', () => {
  // Confidences 0.9, 0.9, 0.6, 0.3; right, wrong, right, right; 10 bins.
  const confidence = [0.9, 0.9, 0.6, 0.3];
  const correct = [1, 0, 1, 1];

  it('weights each bin gap by its share of samples', () => {
    // Bin 9: acc 0.5, conf 0.9 → 2/4 · 0.4 = 0.2. Bin 6: 1/4 · |1 − 0.6| = 0.1.
    // Bin 3: 1/4 · |1 − 0.3| = 0.175. ECE = 0.475.
    expect(expectedCalibrationError(confidence, correct, 10)).toBeCloseTo(0.475, 12);
  });

  it('MCE is the largest gap over non-empty bins', () => {
    expect(maxCalibrationError(confidence, correct, 10)).toBeCloseTo(0.7, 12);
  });

  it('empty bins add nothing', () => {
    // With 1000 bins every sample sits alone or with its twin: same per-bin gaps, same ECE.
    expect(expectedCalibrationError(confidence, correct, 1000)).toBeCloseTo(0.475, 12);
  });

  it('counts confidence 1.0', () => {
    // One wrong prediction at 1.0: ECE = |1 − 0| = 1 (a hidden 16th bin would give 0).
    expect(expectedCalibrationError([1], [0], 15)).toBe(1);
  });

  it('all right or all wrong', () => {
    // All right: ECE = mean(1 − conf) = (0.1 + 0.4)/2 = 0.25; all wrong: mean conf = 0.75.
    expect(expectedCalibrationError([0.9, 0.6], [1, 1], 15)).toBeCloseTo(0.25, 12);
    expect(expectedCalibrationError([0.9, 0.6], [0, 0], 15)).toBeCloseTo(0.75, 12);
  });
});

describe('adaptive ECE', () => {
  it('uses equal-mass groups of the sorted confidences', () => {
    // Sorted: 0.3 (R), 0.6 (R), 0.9 (sample 0, R), 0.9 (sample 1, W); 3 groups start at
    // positions 0, ceil(4/3) = 2, ceil(8/3) = 3. Sums of conf − correct: 0.9 − 2 = −1.1;
    // 0.9 − 1 = −0.1; 0.9 − 0 = 0.9. Adaptive ECE = (1.1 + 0.1 + 0.9)/4 = 0.525.
    expect(adaptiveCalibrationError([0.9, 0.9, 0.6, 0.3], [1, 0, 1, 1], 3)).toBeCloseTo(0.525, 12);
  });
});

describe('Brier and NLL', () => {
  // K = 2: p = (0.8, 0.2) with y = 0 and p = (0.4, 0.6) with y = 0.
  const probs = [0.8, 0.2, 0.4, 0.6];
  const labels = [0, 0];

  it('multiclass Brier sums over classes', () => {
    // (0.2² + 0.2²) = 0.08 and (0.6² + 0.6²) = 0.72 → mean 0.4.
    expect(brierScore(probs, labels, 2)).toBeCloseTo(0.4, 12);
  });

  it('NLL is the mean of −log p_y', () => {
    // (−log 0.8 − log 0.4)/2 = (0.223144 + 0.916291)/2 = 0.569717.
    expect(negativeLogLikelihood(probs, labels, 2)).toBeCloseTo(0.569717, 6);
  });

  it('NLL clips probabilities to [1e-7, 1 − 1e-7]', () => {
    expect(negativeLogLikelihood([1, 0], [1], 2)).toBeCloseTo(-Math.log(1e-7), 9);
    expect(negativeLogLikelihood([1, 0], [0], 2)).toBeCloseTo(-Math.log(1 - 1e-7), 15);
  });

  it('NLL from logits uses log-softmax', () => {
    // Logits (2, 0), y = 0: log(1 + e^−2) = 0.126928.
    expect(negativeLogLikelihoodFromLogits([2, 0], [0], 2)).toBeCloseTo(0.126928, 6);
    // Large logits do not overflow: (1000, 0), y = 1 → 1000.
    expect(negativeLogLikelihoodFromLogits([1000, 0], [1], 2)).toBeCloseTo(1000, 9);
  });
});

describe('classwise ECE', () => {
  it('bins every class probability over all samples', () => {
    // K = 2, M = 2. p = (0.8, 0.2) y 0; (0.4, 0.6) y 0; (0.3, 0.7) y 1.
    // Class 0: bin 1 {0.8, y 1}: |0.8 − 1| = 0.2; bin 0 {0.4, 0.3; y 1, 0}: |0.7 − 1| = 0.3.
    // Class 1: bin 0 {0.2, y 0}: 0.2; bin 1 {0.6, 0.7; y 0, 1}: |1.3 − 1| = 0.3.
    // Terms 0.5/3 each; classwise ECE = mean = 1/6.
    const { value, perClass } = classwiseCalibrationError(
      [0.8, 0.2, 0.4, 0.6, 0.3, 0.7],
      [0, 0, 1],
      2,
      2,
    );
    expect(perClass[0]).toBeCloseTo(0.5 / 3, 12);
    expect(perClass[1]).toBeCloseTo(0.5 / 3, 12);
    expect(value).toBeCloseTo(1 / 6, 12);
  });
});

describe('one class (K = 1)', () => {
  it('gives perfect, finite scores', () => {
    const probs = [1, 1, 1];
    const labels = [0, 0, 0];
    const top = topLabel(probs, 1);
    const correct = correctness(top.prediction, labels);
    expect(accuracy(correct)).toBe(1);
    expect(expectedCalibrationError(top.confidence, correct)).toBe(0);
    expect(brierScore(probs, labels, 1)).toBe(0);
    expect(negativeLogLikelihood(probs, labels, 1)).toBeCloseTo(1e-7, 12);
    expect(classwiseCalibrationError(probs, labels, 1).value).toBe(0);
  });
});

describe('reference data set (scikit-learn / numpy values)', () => {
  const { probs, labels, numClasses } = referencePredictions();
  const top = topLabel(probs, numClasses);
  const correct = correctness(top.prediction, labels);

  it('matches every metric', () => {
    expect(accuracy(correct)).toBeCloseTo(REFERENCE.accuracy, 12);
    expect(averageConfidence(top.confidence)).toBeCloseTo(REFERENCE.averageConfidence, 12);
    expect(overconfidenceGap(top.confidence, correct)).toBeCloseTo(
      REFERENCE.averageConfidence - REFERENCE.accuracy,
      12,
    );
    expect(expectedCalibrationError(top.confidence, correct)).toBeCloseTo(REFERENCE.ece, 12);
    expect(maxCalibrationError(top.confidence, correct)).toBeCloseTo(REFERENCE.mce, 12);
    expect(adaptiveCalibrationError(top.confidence, correct)).toBeCloseTo(
      REFERENCE.adaptiveEce,
      12,
    );
    const classwise = classwiseCalibrationError(probs, labels, numClasses);
    expect(classwise.value).toBeCloseTo(REFERENCE.classwiseEce, 12);
    REFERENCE.classwiseTerms.forEach((term, k) =>
      expect(classwise.perClass[k]).toBeCloseTo(term, 12),
    );
    expect(negativeLogLikelihood(probs, labels, numClasses)).toBeCloseTo(REFERENCE.nll, 12);
    expect(negativeLogLikelihood(probs, labels, numClasses)).toBeCloseTo(
      REFERENCE.sklearnLogLoss,
      7,
    );
    expect(brierScore(probs, labels, numClasses)).toBeCloseTo(REFERENCE.brier, 12);
  });

  it('predicts the lowest index on ties', () => {
    // Sample 10 has p = (0.45, 0.45, 0.1) and label 1: the prediction is class 0, so wrong.
    expect(top.prediction[10]).toBe(0);
    expect(correct[10]).toBe(0);
  });
});
