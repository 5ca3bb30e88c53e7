import { correctness, sortByConfidence, topLabel, type TopLabel } from './samples';
import { smoothEce } from './smooth-ece';
import { METRIC_NAMES, type MetricName, type Predictions } from './types';
import {
  prepareResampling,
  WeightedEvaluator,
  warmUpWeightedPass,
  METRIC_INDEX,
  type ResamplingData,
} from './weighted-pass';

/** Full-data metrics plus the sorted data they were computed from, ready for resampling. */
export interface PointEstimates {
  values: Record<MetricName, number>;
  top: TopLabel;
  correct: Uint8Array;
  /** Ascending-confidence order, ties by sample index. */
  order: Int32Array;
  /** Class k's term of the classwise ECE. */
  classwisePerClass: Float64Array;
  smoothBandwidth: number;
  data: ResamplingData;
}

/**
 * All metrics on the full data: the one-pass evaluator with every weight 1 (tests check it
 * against the single-metric functions), exact NLL and Brier means, and smooth ECE searched on
 * a finer grid than resamples use.
 */
export function computePointEstimates(predictions: Predictions, binCount: number): PointEstimates {
  // First, so that V8 compiles the hot loops while the steps below run.
  warmUpWeightedPass();
  const { numClasses: K, labels, probs } = predictions;
  const n = labels.length;
  const top = topLabel(probs, K);
  const correct = correctness(top.prediction, labels);
  const order = sortByConfidence(top.confidence);
  const smooth = smoothEce(top.confidence, correct);
  const data = prepareResampling(predictions, binCount, smooth.bandwidth, { top, correct, order });
  const evaluator = new WeightedEvaluator(data);
  const out = new Float64Array(METRIC_NAMES.length);
  evaluator.evaluate(new Int32Array(n).fill(1), out);
  const values = Object.fromEntries(
    METRIC_NAMES.map((name) => [name, out[METRIC_INDEX[name]]]),
  ) as Record<MetricName, number>;
  values.nll = data.meanNll;
  values.brier = data.meanBrier;
  values.smoothEce = smooth.value;
  return {
    values,
    top,
    correct,
    order,
    classwisePerClass: Float64Array.from(evaluator.classwisePerClass),
    smoothBandwidth: smooth.bandwidth,
    data,
  };
}
