import { pairedLittleBootstrapIntervals } from './little-bootstrap';
import { computePointEstimates, LARGE_SAMPLE_THRESHOLD } from './point-estimates';
import { percentileInterval95 } from './quantile';
import { Rng } from './random';
import { validatePredictions } from './samples';
import { METRIC_NAMES, type MetricEstimate, type MetricName, type Predictions } from './types';
import { WeightedEvaluator, warmUpWeightedPass, type ResamplingData } from './weighted-pass';

/**
 * Metric values of the multinomial resamples `from` to `to` (of `resamples`): result[metricIndex][b - from],
 * metrics in METRIC_NAMES order. Resample b draws from its own stream of the seed, so the same seed gives
 * the same values however the resamples are divided between threads.
 */
export function bootstrapMetricSamples(
  data: ResamplingData,
  resamples: number,
  seed: number,
  from = 0,
  to = resamples,
): Float64Array[] {
  warmUpWeightedPass();
  const values = METRIC_NAMES.map(() => new Float64Array(to - from));
  const evaluator = new WeightedEvaluator(data);
  const counts = new Int32Array(data.sampleCount);
  const out = new Float64Array(METRIC_NAMES.length);
  for (let b = from; b < to; b++) {
    new Rng(seed, b + 1).fillMultinomialCounts(counts);
    evaluator.evaluate(counts, out);
    for (let m = 0; m < out.length; m++) values[m][b - from] = out[m];
  }
  return values;
}

/**
 * 95% percentile-bootstrap interval of every metric, over the resamples where it is defined.
 * For a metric biased upwards by noise (ECE of a well-calibrated model) the interval can lie
 * above the point estimate: that is what the percentile bootstrap says, not an error.
 */
export function bootstrapIntervals(
  data: ResamplingData,
  resamples: number,
  seed: number,
): Record<MetricName, [number, number]> {
  return intervalsFromSamples(bootstrapMetricSamples(data, resamples, seed));
}

/** The intervals of metric values per resample (as bootstrapMetricSamples gives them). */
export function intervalsFromSamples(
  samples: Float64Array[],
): Record<MetricName, [number, number]> {
  return Object.fromEntries(
    METRIC_NAMES.map((name, m) => [name, percentileInterval95(samples[m])]),
  ) as Record<MetricName, [number, number]>;
}

export interface PairedBootstrapOptions {
  /** Equal-width bins; default 15. */
  bins: number;
  /** Default 1000; 0 gives ci95 = [value, value]. */
  bootstrapResamples: number;
  /** Default 0. */
  seed: number;
}

/**
 * Differences b − a of every metric for two models scored on the same samples (same labels in
 * the same order), with 95% intervals from resampling both with the same multinomial counts;
 * above LARGE_SAMPLE_THRESHOLD samples by the bag of little bootstraps (little-bootstrap.ts).
 */
export function pairedBootstrapDeltas(
  a: Predictions,
  b: Predictions,
  options: Partial<PairedBootstrapOptions> = {},
): Record<MetricName, MetricEstimate> {
  const bins = options.bins ?? 15;
  const resamples = options.bootstrapResamples ?? 1000;
  const seed = options.seed ?? 0;
  validatePredictions(a);
  validatePredictions(b);
  const n = a.labels.length;
  if (n === 0) throw new RangeError('no samples to compare');
  if (b.labels.length !== n) {
    throw new RangeError(`the two prediction sets have ${n} and ${b.labels.length} samples`);
  }
  for (let i = 0; i < n; i++) {
    if (a.labels[i] !== b.labels[i]) {
      throw new RangeError(`the two prediction sets disagree on the label of sample ${i}`);
    }
  }
  const large = n > LARGE_SAMPLE_THRESHOLD;
  const pointA = computePointEstimates(a, bins, !large);
  const pointB = computePointEstimates(b, bins, !large);
  const result = {} as Record<MetricName, MetricEstimate>;
  for (const name of METRIC_NAMES) {
    const value = pointB.values[name] - pointA.values[name];
    result[name] = { value, ci95: [value, value] };
  }
  if (resamples === 0) return result;
  if (large) {
    const deltas = Object.fromEntries(
      METRIC_NAMES.map((name) => [name, result[name].value]),
    ) as Record<MetricName, number>;
    const intervals = pairedLittleBootstrapIntervals(a, b, deltas, {
      binCount: bins,
      smoothBandwidthA: pointA.smoothBandwidth,
      smoothBandwidthB: pointB.smoothBandwidth,
      resamples,
      seed,
    });
    for (const name of METRIC_NAMES) result[name].ci95 = intervals[name];
    return result;
  }

  warmUpWeightedPass();
  const evaluatorA = new WeightedEvaluator(pointA.data!);
  const evaluatorB = new WeightedEvaluator(pointB.data!);
  const orderA = pointA.order;
  const orderB = pointB.order;
  const rng = new Rng(seed);
  const counts = new Int32Array(n);
  const countsA = new Int32Array(n);
  const countsB = new Int32Array(n);
  const outA = new Float64Array(METRIC_NAMES.length);
  const outB = new Float64Array(METRIC_NAMES.length);
  const deltas = METRIC_NAMES.map(() => new Float64Array(resamples));
  for (let r = 0; r < resamples; r++) {
    // Counts are drawn per input row and then permuted into each model's sorted order.
    rng.fillMultinomialCounts(counts);
    for (let j = 0; j < n; j++) {
      countsA[j] = counts[orderA[j]];
      countsB[j] = counts[orderB[j]];
    }
    evaluatorA.evaluate(countsA, outA);
    evaluatorB.evaluate(countsB, outB);
    for (let m = 0; m < outA.length; m++) deltas[m][r] = outB[m] - outA[m];
  }
  METRIC_NAMES.forEach((name, m) => {
    result[name].ci95 = Number.isNaN(result[name].value)
      ? [NaN, NaN]
      : percentileInterval95(deltas[m]);
  });
  return result;
}
