import { confidenceHistogram, reliabilityBins } from './binning';
import { corpReliability } from './corp';
import { netcalAce, relplotSmoothEce } from './reference-metrics';
import { bootstrapIntervals } from './bootstrap';
import { littleBootstrapIntervals, littleBootstrapPlan } from './little-bootstrap';
import { flagClasses, flagConfidentErrors, flagOverconfidentBins } from './flags';
import { logitGapSummary } from './logit-gap';
import { resolveAuditOptions } from './options';
import { confusionMatrix, perClassStats } from './per-class';
import {
  computePointEstimates,
  LARGE_SAMPLE_THRESHOLD,
  type PointEstimates,
} from './point-estimates';
import { riskCoverageCurve } from './ranking';
import { validatePredictions } from './samples';
import {
  METRIC_NAMES,
  type AuditOptions,
  type CalibrationReport,
  type IntervalMethod,
  type MetricEstimate,
  type MceBin,
  type MetricName,
  type CalibrationTestFamily,
  type FlaggedBin,
  type FlaggedClass,
  type PerClassStats,
  type Predictions,
  type ReliabilityBin,
  type Verdict,
} from './types';
import type { SampleSizeCaution } from './sample-size';
import { calibrationVerdict } from './verdict';
import { calibrationTests } from './calibration-tests';
import { debiasedEceEstimates } from './ece-bias';
import { sampleSizeCaution, sampleSizeNotes } from './sample-size';

const HISTOGRAM_BINS = 20;
const RISK_COVERAGE_POINTS = 200;

/**
 * The full calibration audit of one model's predictions: every metric with a 95% bootstrap
 * interval, reliability diagrams, per-class statistics, flags and a one-line verdict.
 * Throws a RangeError on inconsistent input or no samples.
 */
export function auditPredictions(
  predictions: Predictions,
  options: Partial<AuditOptions> = {},
): CalibrationReport {
  const prepared = prepareAudit(predictions, options);
  const { bootstrapResamples, seed, bins } = prepared.options;
  const { data, smoothBandwidth } = prepared.point;
  let intervals: Record<MetricName, [number, number]> | null = null;
  if (bootstrapResamples > 0) {
    intervals = data
      ? bootstrapIntervals(data, bootstrapResamples, seed)
      : littleBootstrapIntervals(predictions, prepared.point.values, {
          binCount: bins,
          smoothBandwidth,
          resamples: bootstrapResamples,
          seed,
        });
  }
  return completeAudit(prepared, intervals);
}

/**
 * How a prepared audit's intervals are computed: the exact bootstrap while the resampling data
 * exists (up to LARGE_SAMPLE_THRESHOLD samples), else the bag of little bootstraps.
 */
export function intervalMethodOf(prepared: PreparedAudit): IntervalMethod {
  const resamples = prepared.options.bootstrapResamples;
  if (resamples === 0) return { method: 'none' };
  if (prepared.point.data) return { method: 'bootstrap', resamples };
  const plan = littleBootstrapPlan(prepared.predictions.labels.length, resamples);
  return {
    method: 'bag-of-little-bootstraps',
    threshold: LARGE_SAMPLE_THRESHOLD,
    subsets: plan.subsets,
    subsetSize: plan.subsetSize,
    resamplesPerSubset: plan.resamplesPerSubset,
  };
}

/** An audit's point estimates, before its bootstrap intervals (which a caller may compute elsewhere). */
export interface PreparedAudit {
  predictions: Predictions;
  options: AuditOptions;
  point: PointEstimates;
}

export function prepareAudit(
  predictions: Predictions,
  options: Partial<AuditOptions> = {},
): PreparedAudit {
  const opts = resolveAuditOptions(options);
  validatePredictions(predictions);
  if (predictions.labels.length === 0) throw new RangeError('there are no samples to audit');
  return { predictions, options: opts, point: computePointEstimates(predictions, opts.bins) };
}

/** The report from the point estimates and the intervals (null: no resampling). */
export function completeAudit(
  prepared: PreparedAudit,
  intervals: Record<MetricName, [number, number]> | null,
): CalibrationReport {
  const { predictions, point, options: opts } = prepared;
  const { numClasses: K, labels, logits } = predictions;
  const n = labels.length;
  const metrics = {} as Record<MetricName, MetricEstimate>;
  for (const name of METRIC_NAMES) {
    const value = point.values[name];
    let ci95: [number, number] = [value, value];
    if (Number.isNaN(value)) ci95 = [NaN, NaN];
    else if (intervals) ci95 = intervals[name];
    metrics[name] = { value, ci95 };
  }

  const { confidence, prediction } = point.top;
  const correct = point.correct;
  const bins = reliabilityBins(confidence, correct, opts.bins, 'equal-width');
  const perClass = perClassStats(labels, prediction, confidence, K, point.classwisePerClass);
  const mceBin = maxErrorBin(bins);
  // The MCE's bootstrap interval is not reported: see CalibrationReport.mceBin.
  metrics.mce = { value: metrics.mce.value, ci95: [NaN, NaN] };
  const judged = judgeCalibration({
    confidence,
    correct,
    prediction,
    numClasses: K,
    bins,
    perClass,
    metrics,
    binGapMargin: opts.binGapMargin,
    hasIntervals: intervals !== null,
  });
  const { tests, verdict, sampleSize } = judged;
  const errors = flagConfidentErrors(
    confidence,
    correct,
    labels,
    prediction,
    opts.confidenceThreshold,
    opts.maxFlaggedSamples,
  );

  return {
    metrics,
    bins,
    adaptiveBins: reliabilityBins(confidence, correct, opts.bins, 'equal-mass', point.order),
    confidenceHistogram: confidenceHistogram(confidence, correct, HISTOGRAM_BINS),
    logitGap: logits ? logitGapSummary(logits, K) : null,
    perClass,
    confusion: confusionMatrix(labels, prediction, K),
    riskCoverage: riskCoverageCurve(confidence, correct, RISK_COVERAGE_POINTS, point.order),
    corp: corp(prepared),
    referenceMetrics: {
      relplotSmoothEce: relplotSmoothEce(confidence, correct),
      netcalAce: { value: netcalAce(confidence, correct, opts.bins), bins: opts.bins },
    },
    flags: {
      confidenceThreshold: opts.confidenceThreshold,
      samples: errors.samples,
      samplesTotal: errors.total,
      bins: judged.flaggedBins,
      classes: judged.flaggedClasses,
    },
    verdict,
    tests,
    mceBin,
    debiased: debiasedEceEstimates(
      metrics,
      bins,
      intervals !== null,
      !tests.tests.some((t) => t.significant),
    ),
    sampleSize,
    smoothEceBandwidth: point.smoothBandwidth,
    sampleCount: n,
    numClasses: K,
    binCount: opts.bins,
    bootstrapResamples: opts.bootstrapResamples,
    seed: opts.seed,
    intervalMethod: intervalMethodOf(prepared),
  };
}

/**
 * The CORP diagram. Above LARGE_SAMPLE_THRESHOLD samples it is given the samples in ascending
 * confidence (its own comparator sort then only confirms the order: the same curve and
 * decomposition, summed in that order), and no consistency band: the band draws n Bernoulli
 * variates per resample (10^10 for 10 million samples and 1,000 resamples), and at that size it
 * is narrower than the curve's line.
 */
function corp(prepared: PreparedAudit): CalibrationReport['corp'] {
  const { point, options } = prepared;
  const n = point.order.length;
  if (n <= LARGE_SAMPLE_THRESHOLD || point.data) {
    return corpReliability(point.top.confidence, point.correct, {
      resamples: options.bootstrapResamples,
      seed: options.seed,
    });
  }
  // Float32 holds the confidences exactly: they are float32 probabilities (as the sort requires).
  const confidence = new Float32Array(n);
  const correct = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    confidence[j] = point.top.confidence[point.order[j]];
    correct[j] = point.correct[point.order[j]];
  }
  return corpReliability(confidence, correct, { resamples: 0, seed: options.seed });
}

export interface JudgeInputs {
  confidence: ArrayLike<number>;
  correct: ArrayLike<number>;
  prediction: ArrayLike<number>;
  numClasses: number;
  /** Equal-width reliability bins. */
  bins: ReliabilityBin[];
  perClass: PerClassStats[];
  /** Needs ece, overconfidenceGap, averageConfidence, accuracy and classwiseEce. */
  metrics: Pick<
    Record<MetricName, MetricEstimate>,
    'ece' | 'overconfidenceGap' | 'averageConfidence' | 'accuracy' | 'classwiseEce'
  >;
  binGapMargin: number;
  hasIntervals: boolean;
}

/**
 * Everything the audit says about whether to worry: the Holm-corrected family of calibration
 * tests, the flagged bins and classes, the verdict (with its sample-size notes, classes named
 * by index) and the sample-size caution. One function, so that the false-alarm test runs the
 * very rule the app shows.
 */
export function judgeCalibration(inputs: JudgeInputs): {
  tests: CalibrationTestFamily;
  flaggedBins: FlaggedBin[];
  flaggedClasses: FlaggedClass[];
  verdict: Verdict;
  sampleSize: SampleSizeCaution;
} {
  const { bins, perClass, metrics, binGapMargin } = inputs;
  const tests = calibrationTests(
    inputs.confidence,
    inputs.correct,
    inputs.prediction,
    inputs.numClasses,
    bins.length,
  );
  const sampleSize = sampleSizeCaution(perClass.map((c) => c.count));
  const verdict = calibrationVerdict({
    ece: metrics.ece,
    overconfidenceGap: metrics.overconfidenceGap,
    averageConfidence: metrics.averageConfidence,
    accuracy: metrics.accuracy,
    bins,
    binGapMargin,
    hasIntervals: inputs.hasIntervals,
    tests,
  });
  const notes = sampleSizeNotes(sampleSize, (k) => String(k));
  if (notes.length > 0) verdict.notes = notes;
  return {
    tests,
    flaggedBins: flagOverconfidentBins(bins, binGapMargin, tests),
    flaggedClasses: flagClasses(perClass, metrics.classwiseEce.value, binGapMargin, tests),
    verdict,
    sampleSize,
  };
}

/** The non-empty bin with the largest |confidence − accuracy| (first on ties); null if none. */
export function maxErrorBin(bins: readonly ReliabilityBin[]): MceBin | null {
  let best: MceBin | null = null;
  bins.forEach((bin, binIndex) => {
    if (bin.count === 0 || bin.gap === null) return;
    if (best === null || Math.abs(bin.gap) > Math.abs(best.gap ?? 0)) best = { ...bin, binIndex };
  });
  return best;
}
