import {
  adaptiveCalibrationError,
  classwiseCalibrationError,
  expectedCalibrationError,
  maxCalibrationError,
  PROB_CLIP,
} from './metrics';
import { aurc, misclassificationAuroc } from './ranking';
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

/**
 * Above this many samples the audit's intervals come from the bag of little bootstraps
 * (little-bootstrap.ts) and the point estimates from one direct pass per metric, without the
 * full-data resampling data (about 100 bytes per sample more).
 */
export const LARGE_SAMPLE_THRESHOLD = 1_000_000;

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
  /** The data the exact bootstrap resamples; null above LARGE_SAMPLE_THRESHOLD unless asked for. */
  data: ResamplingData | null;
}

/**
 * All metrics on the full data: the one-pass evaluator with every weight 1 (tests check it
 * against the single-metric functions), exact NLL and Brier means, and smooth ECE searched on
 * a finer grid than resamples use. Above LARGE_SAMPLE_THRESHOLD samples (unless `resampling`
 * asks for the resampling data anyway) the single-metric functions themselves.
 */
export function computePointEstimates(
  predictions: Predictions,
  binCount: number,
  resampling = predictions.labels.length <= LARGE_SAMPLE_THRESHOLD,
): PointEstimates {
  // First, so that V8 compiles the hot loops while the steps below run.
  if (resampling) warmUpWeightedPass();
  const { numClasses: K, labels, probs } = predictions;
  const n = labels.length;
  const top = topLabel(probs, K);
  const correct = correctness(top.prediction, labels);
  const order = sortByConfidence(top.confidence);
  const smooth = smoothEce(top.confidence, correct);
  if (!resampling) {
    const direct = directPointEstimates(predictions, binCount, top, correct, order);
    direct.values.smoothEce = smooth.value;
    return {
      ...direct,
      top,
      correct,
      order,
      smoothBandwidth: smooth.bandwidth,
      data: null,
    };
  }
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

/** Every metric but smooth ECE by its own function (metrics.ts, ranking.ts), in float64 sums. */
function directPointEstimates(
  predictions: Predictions,
  binCount: number,
  top: TopLabel,
  correct: Uint8Array,
  order: Int32Array,
): { values: Record<MetricName, number>; classwisePerClass: Float64Array } {
  const { numClasses: K, labels, probs, logits } = predictions;
  const n = labels.length;
  const { confidence } = top;
  let right = 0;
  let confidenceSum = 0;
  let nllSum = 0;
  let brierSum = 0;
  for (let i = 0, o = 0; i < n; i++, o += K) {
    right += correct[i];
    confidenceSum += confidence[i];
    const y = labels[i];
    let squares = 0;
    for (let k = 0; k < K; k++) squares += probs[o + k] * probs[o + k];
    const py = probs[o + y];
    brierSum += squares - 2 * py + 1;
    if (logits) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) if (logits[o + k] > max) max = logits[o + k];
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(logits[o + k] - max);
      nllSum += max + Math.log(sum) - logits[o + y];
    } else {
      nllSum -= Math.log(Math.min(Math.max(py, PROB_CLIP), 1 - PROB_CLIP));
    }
  }
  const classwise = classwiseCalibrationError(probs, labels, K, binCount);
  const values: Record<MetricName, number> = {
    accuracy: right / n,
    nll: nllSum / n,
    brier: brierSum / n,
    ece: expectedCalibrationError(confidence, correct, binCount),
    mce: maxCalibrationError(confidence, correct, binCount),
    adaptiveEce: adaptiveCalibrationError(confidence, correct, binCount, order),
    classwiseEce: classwise.value,
    smoothEce: NaN,
    averageConfidence: confidenceSum / n,
    overconfidenceGap: (confidenceSum - right) / n,
    misclassificationAuroc: misclassificationAuroc(confidence, correct, order),
    aurc: aurc(confidence, correct, order),
  };
  return { values, classwisePerClass: classwise.perClass };
}
