import { describe, expect, it } from 'vitest';
import {
  adaptiveCalibrationError,
  brierScore,
  classwiseCalibrationError,
  expectedCalibrationError,
  maxCalibrationError,
  negativeLogLikelihood,
  negativeLogLikelihoodFromLogits,
} from '../../src/core/metrics';
import { Rng } from '../../src/core/random';
import { aurc, misclassificationAuroc } from '../../src/core/ranking';
import { correctness, topLabel } from '../../src/core/samples';
import { smoothEce } from '../../src/core/smooth-ece';
import { METRIC_NAMES, type MetricName, type Predictions } from '../../src/core/types';
import {
  METRIC_INDEX,
  prepareResampling,
  WeightedEvaluator,
  warmUpWeightedPass,
} from '../../src/core/weighted-pass';

/** Random predictions with ties (probabilities on a coarse grid for some rows) and 1.0s. */
function randomPredictions(n: number, K: number, seed: number, withLogits = true): Predictions {
  const rng = new Rng(seed);
  const labels = new Int32Array(n);
  const probs = new Float32Array(n * K);
  const logits = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.nextInt(K);
    const o = i * K;
    const coarse = rng.nextFloat() < 0.3;
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      let z = 3 * rng.nextFloat() + (k === labels[i] ? 2 * rng.nextFloat() : 0);
      if (coarse) z = Math.round(z);
      if (i % 17 === 0 && k === 0) z = 60;
      logits[o + k] = z;
      max = Math.max(max, z);
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(logits[o + k] - max);
    for (let k = 0; k < K; k++) probs[o + k] = Math.exp(logits[o + k] - max) / sum;
  }
  return withLogits ? { numClasses: K, labels, probs, logits } : { numClasses: K, labels, probs };
}

/** Every metric from the single-metric functions. */
function reference(p: Predictions, bins: number): Record<MetricName, number> {
  const top = topLabel(p.probs, p.numClasses);
  const correct = correctness(top.prediction, p.labels);
  const n = p.labels.length;
  let conf = 0;
  let right = 0;
  for (let i = 0; i < n; i++) {
    conf += top.confidence[i];
    right += correct[i];
  }
  return {
    accuracy: right / n,
    nll: p.logits
      ? negativeLogLikelihoodFromLogits(p.logits, p.labels, p.numClasses)
      : negativeLogLikelihood(p.probs, p.labels, p.numClasses),
    brier: brierScore(p.probs, p.labels, p.numClasses),
    ece: expectedCalibrationError(top.confidence, correct, bins),
    mce: maxCalibrationError(top.confidence, correct, bins),
    adaptiveEce: adaptiveCalibrationError(top.confidence, correct, bins),
    classwiseEce: classwiseCalibrationError(p.probs, p.labels, p.numClasses, bins).value,
    smoothEce: smoothEce(top.confidence, correct).value,
    averageConfidence: conf / n,
    overconfidenceGap: (conf - right) / n,
    misclassificationAuroc: misclassificationAuroc(top.confidence, correct),
    aurc: aurc(top.confidence, correct),
  };
}

/** The data set with row i repeated counts[i] times, rows kept in input order. */
function expand(p: Predictions, countsByRow: Int32Array): Predictions {
  const K = p.numClasses;
  const rows: number[] = [];
  countsByRow.forEach((c, i) => {
    for (let r = 0; r < c; r++) rows.push(i);
  });
  const labels = Int32Array.from(rows.map((i) => p.labels[i]));
  const probs = new Float32Array(rows.length * K);
  const logits = p.logits ? new Float32Array(rows.length * K) : null;
  rows.forEach((i, r) => {
    probs.set(p.probs.subarray(i * K, i * K + K), r * K);
    logits?.set(p.logits!.subarray(i * K, i * K + K), r * K);
  });
  return { numClasses: K, labels, probs, logits };
}

function evaluate(p: Predictions, bins: number, countsBySorted: Int32Array | null) {
  const top = topLabel(p.probs, p.numClasses);
  const correct = correctness(top.prediction, p.labels);
  const sigma = smoothEce(top.confidence, correct).bandwidth;
  const data = prepareResampling(p, bins, sigma);
  const evaluator = new WeightedEvaluator(data);
  const out = new Float64Array(METRIC_NAMES.length);
  evaluator.evaluate(countsBySorted ?? new Int32Array(p.labels.length).fill(1), out);
  return { data, out, evaluator };
}

function expectMatches(out: Float64Array, expected: Record<MetricName, number>): void {
  for (const name of METRIC_NAMES) {
    const got = out[METRIC_INDEX[name]];
    const want = expected[name];
    if (Number.isNaN(want)) {
      expect(got, name).toBeNaN();
      continue;
    }
    // NLL and Brier go through float32 per sample; smooth ECE uses a coarser grid in resamples.
    const tolerance =
      name === 'smoothEce' ? 2e-3 : name === 'nll' || name === 'brier' ? 1e-6 : 1e-10;
    expect(Math.abs(got - want), `${name}: ${got} vs ${want}`).toBeLessThan(tolerance);
  }
}

describe('WeightedEvaluator', () => {
  warmUpWeightedPass();

  it.each([
    [300, 4, 15],
    [200, 2, 10],
    [120, 1, 15],
    [150, 20, 15],
    [40, 3, 15],
  ])('with unit weights equals the single-metric functions (n %i, K %i, M %i)', (n, K, M) => {
    const p = randomPredictions(n, K, n + K);
    expectMatches(evaluate(p, M, null).out, reference(p, M));
  });

  it.each([
    [300, 4, 15, 1],
    [250, 3, 15, 2],
    [200, 2, 7, 3],
    [50, 5, 15, 4],
    [120, 1, 15, 5],
  ])(
    'with multinomial counts equals the resampled data set (n %i, K %i, M %i, seed %i)',
    (n, K, M, seed) => {
      const p = randomPredictions(n, K, 100 + seed, seed % 2 === 0);
      const { data, out: _unit } = evaluate(p, M, null);
      const countsBySorted = new Int32Array(n);
      new Rng(seed).fillMultinomialCounts(countsBySorted);
      const countsByRow = new Int32Array(n);
      for (let j = 0; j < n; j++) countsByRow[data.order[j]] = countsBySorted[j];
      const evaluator = new WeightedEvaluator(data);
      const out = new Float64Array(METRIC_NAMES.length);
      evaluator.evaluate(countsBySorted, out);
      expectMatches(out, reference(expand(p, countsByRow), M));
    },
  );

  it('handles heavy counts that straddle several equal-mass groups', () => {
    const p = randomPredictions(30, 3, 7);
    const { data } = evaluate(p, 15, null);
    const countsBySorted = new Int32Array(30);
    countsBySorted[3] = 12;
    countsBySorted[20] = 10;
    countsBySorted[29] = 8;
    const countsByRow = new Int32Array(30);
    for (let j = 0; j < 30; j++) countsByRow[data.order[j]] = countsBySorted[j];
    const out = new Float64Array(METRIC_NAMES.length);
    new WeightedEvaluator(data).evaluate(countsBySorted, out);
    expectMatches(out, reference(expand(p, countsByRow), 15));
  });

  it('reports AUROC as NaN when a resample has no wrong prediction', () => {
    const labels = Int32Array.from([0, 1, 0]);
    const probs = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.4, 0.6]);
    const { data } = evaluate({ numClasses: 2, labels, probs }, 15, null);
    const counts = new Int32Array(3);
    // Sorted by confidence: 0.6 (sample 2, wrong), 0.8, 0.9; keep only the right ones.
    counts[1] = 2;
    counts[2] = 1;
    const out = new Float64Array(METRIC_NAMES.length);
    new WeightedEvaluator(data).evaluate(counts, out);
    expect(out[METRIC_INDEX.misclassificationAuroc]).toBeNaN();
    expect(out[METRIC_INDEX.accuracy]).toBe(1);
  });

  it('exposes each class term of the classwise ECE', () => {
    const p = randomPredictions(200, 4, 3);
    const { evaluator } = evaluate(p, 15, null);
    const { perClass } = classwiseCalibrationError(p.probs, p.labels, 4, 15);
    perClass.forEach((term, k) => expect(evaluator.classwisePerClass[k]).toBeCloseTo(term, 10));
  });
});
