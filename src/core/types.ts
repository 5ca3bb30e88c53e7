import type { CorpReliability } from './corp';
import type { SampleSizeCaution } from './sample-size';

/** A classifier's outputs on a labelled test set. */
export interface Predictions {
  /** K >= 1. */
  numClasses: number;
  /** n true class indices in [0, K). */
  labels: Int32Array;
  /** n*K row-major probabilities; rows sum to about 1. */
  probs: Float32Array;
  /** n*K true logits when the model has them (a sigmoid model gives (0, z)). */
  logits?: Float32Array | null;
}

export interface AuditOptions {
  /** Number of equal-width (and equal-mass) reliability bins; default 15. */
  bins: number;
  /** Bootstrap resamples for the 95% intervals; 0 gives no intervals (ci95 = [value, value]). Default 1000. */
  bootstrapResamples: number;
  /** Seed of the bootstrap's PRNG: the same seed gives the same intervals. Default 0. */
  seed: number;
  /** Wrong predictions at or above this confidence are flagged; default 0.9. */
  confidenceThreshold: number;
  /** A bin is flagged when its mean confidence exceeds its accuracy by more than this; default 0.02. */
  binGapMargin: number;
  /**
   * Formerly: a class was flagged when its classwise-ECE term was at least this multiple of the
   * average term (default 2). No longer used: classes are flagged by their Holm-corrected
   * calibration test (calibration-tests.ts). Kept so that callers and saved settings still type.
   */
  classGapRatio: number;
  /** At most this many flagged samples are listed (the total is always reported); default 500. */
  maxFlaggedSamples: number;
}

export const METRIC_NAMES = [
  'accuracy',
  'nll',
  'brier',
  'ece',
  'mce',
  'adaptiveEce',
  'classwiseEce',
  'smoothEce',
  'averageConfidence',
  'overconfidenceGap',
  'misclassificationAuroc',
  'aurc',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/** A point estimate with its 95% percentile-bootstrap interval. */
export interface MetricEstimate {
  /**
   * The estimate on the full data. NaN when undefined (misclassificationAuroc when every
   * prediction is right or every one is wrong); NaN becomes null in JSON.
   */
  value: number;
  /**
   * 2.5th and 97.5th percentiles over the resamples where the metric is defined;
   * [value, value] without resampling, [NaN, NaN] when no resample defines it.
   */
  ci95: [number, number];
}

export type BinScheme = 'equal-width' | 'equal-mass';

/** One bin of a reliability diagram over top-label confidence. */
export interface ReliabilityBin {
  /** Lower edge: the bin's [lower, upper) range (equal-width), or its smallest confidence (equal-mass). */
  lower: number;
  /** Upper edge (the last equal-width bin is closed), or the bin's largest confidence (equal-mass). */
  upper: number;
  /** Samples in the bin. */
  count: number;
  /** Fraction of the bin's predictions that are right; null for an empty bin. */
  accuracy: number | null;
  /** Mean top-label confidence in the bin; null for an empty bin. */
  confidence: number | null;
  /** confidence − accuracy (positive = overconfident); null for an empty bin. */
  gap: number | null;
  /** Wilson 95% score interval of the accuracy; null for an empty bin. */
  accuracyInterval: [number, number] | null;
}

/** Counts of right and wrong predictions per confidence bin (edges[i] to edges[i + 1]). */
export interface ConfidenceHistogram {
  /** bins + 1 ascending edges on [0, 1]. */
  edges: number[];
  correct: number[];
  wrong: number[];
}

/** Top-1 minus top-2 logit per sample. */
export interface LogitGapSummary {
  summary: { mean: number; median: number; p10: number; p90: number; max: number };
  /** counts[i] samples have a gap in [edges[i], edges[i + 1]) (the last bin is closed). */
  histogram: { edges: number[]; counts: number[] };
}

export interface PerClassStats {
  classIndex: number;
  /** Samples whose true label is this class. */
  count: number;
  /** Samples predicted as this class. */
  predictedCount: number;
  /** Recall: the fraction of this class's samples predicted right; null when count is 0. */
  accuracy: number | null;
  /** Mean top-label confidence over this class's samples; null when count is 0. */
  averageConfidence: number | null;
  /** This class's term of the classwise ECE (Kull et al.), binned on p_ik over all samples. */
  classwiseEce: number;
  /** averageConfidence − accuracy; null when count is 0. */
  overconfidenceGap: number | null;
}

/** Selective risk (error rate among the k most confident) against coverage k/n. */
export interface RiskCoverageCurve {
  coverage: number[];
  risk: number[];
}

/** A wrong prediction made with high confidence. */
export interface FlaggedSample {
  /** Row of the sample in the input. */
  index: number;
  label: number;
  prediction: number;
  confidence: number;
}

/** An equal-width bin that is significantly overconfident. */
export interface FlaggedBin {
  /** Position in `bins`. */
  binIndex: number;
  lower: number;
  upper: number;
  count: number;
  accuracy: number;
  confidence: number;
  /** confidence − accuracy; larger than binGapMargin. */
  gap: number;
  /** Wilson 95% interval of the accuracy; its upper end is below the mean confidence. */
  accuracyInterval: [number, number];
  /** Two-sided p-value of the bin's calibration test (absent in audits saved before it). */
  pValue?: number;
  /** Holm-adjusted p-value over the whole family of tests; flagged when ≤ the family's alpha. */
  adjustedPValue?: number;
}

/** A class whose classwise-ECE term stands out from the model's average. */
export interface FlaggedClass {
  classIndex: number;
  /** This class's classwise-ECE term. */
  classwiseEce: number;
  /** classwiseEce divided by the average term over classes. */
  ratio: number;
  /** Mean confidence minus recall on this class's samples; null when it has none. */
  overconfidenceGap: number | null;
  /**
   * The predictions of this class (what the flag is about, absent in audits saved before it):
   * how many, the share right (precision), their mean confidence and the gap between them.
   */
  predicted?: { count: number; accuracy: number; confidence: number; gap: number };
  pValue?: number;
  adjustedPValue?: number;
}

/** One calibration test of a family (see calibration-tests.ts). */
export interface CalibrationTest {
  /** The overall gap, one equal-width bin, or the predictions of one class. */
  kind: 'overall' | 'bin' | 'class';
  /** Bin or class index (0 for the overall test). */
  index: number;
  count: number;
  accuracy: number;
  confidence: number;
  /** confidence − accuracy. */
  gap: number;
  /** Two-sided p-value of "accuracy = mean confidence". */
  pValue: number;
  /** Holm–Bonferroni adjusted p-value over the family. */
  adjustedPValue: number;
  /** adjustedPValue ≤ alpha. */
  significant: boolean;
}

/** Every calibration test of one audit, corrected together. */
export interface CalibrationTestFamily {
  /** Family-wise error rate. */
  alpha: number;
  /** Bins and classes with fewer predictions are not tested. */
  minCount: number;
  method: 'holm';
  tests: CalibrationTest[];
}

export interface CalibrationFlags {
  /** The confidence threshold used for `samples`. */
  confidenceThreshold: number;
  /** Wrong predictions with confidence >= threshold, most confident first (ties: lower index first), capped. */
  samples: FlaggedSample[];
  /** How many samples meet the criterion before capping. */
  samplesTotal: number;
  /**
   * Equal-width bins with at least MIN_TEST_COUNT samples where confidence − accuracy >
   * binGapMargin and the bin's calibration test is significant after the Holm correction over
   * the family (see calibration-tests.ts). Audits saved before it used the Wilson interval alone.
   */
  bins: FlaggedBin[];
  /**
   * Classes whose predictions (at least MIN_TEST_COUNT) are overconfident by more than
   * binGapMargin and significantly so after the Holm correction; most overconfident first.
   * Audits saved before it flagged classwise-ECE terms of at least classGapRatio × the average.
   */
  classes: FlaggedClass[];
}

export type VerdictKind = 'overconfident' | 'underconfident' | 'well-calibrated';

/** One-line summary; see verdict.ts for the rule. */
export interface Verdict {
  kind: VerdictKind;
  text: string;
  /**
   * Cautions about sample sizes (small test set, classes with no or few samples), naming the
   * classes; absent in audits saved before them.
   */
  notes?: string[];
}

/** The equal-width bin whose |confidence − accuracy| is the MCE. */
export interface MceBin extends ReliabilityBin {
  binIndex: number;
}

/** Everything the audit computes; plain JSON (no typed arrays). Fractions are in [0, 1], not percent. */
export interface CalibrationReport {
  /** Every metric with its 95% bootstrap interval. */
  metrics: Record<MetricName, MetricEstimate>;
  /** Equal-width reliability bins over top-label confidence, [a, b) with the last bin closed. */
  bins: ReliabilityBin[];
  /** Equal-mass reliability bins (min(bins, n) groups of about n / bins samples). */
  adaptiveBins: ReliabilityBin[];
  /** Right and wrong predictions by confidence, 20 bins on [0, 1]. */
  confidenceHistogram: ConfidenceHistogram;
  /** Top-1 minus top-2 logit; null without logits or with one class. */
  logitGap: LogitGapSummary | null;
  perClass: PerClassStats[];
  /** K×K counts, rows = true label, columns = prediction. */
  confusion: number[][];
  /** At most about 200 points of the risk-coverage curve (confidence ties averaged). */
  riskCoverage: RiskCoverageCurve;
  /**
   * CORP reliability diagram of top-label confidence (PAV curve, 90% consistency band from
   * `bootstrapResamples` draws under calibration) and the CORP decomposition of the top-label
   * Brier and log scores (see corp.ts).
   */
  corp: CorpReliability;
  /**
   * Where a reference library's convention differs, its value too (see reference-metrics.ts):
   * relplot 1.0.3's smECE (its own bandwidth search, end nodes not mirrored) and netcal 1.4's ACE
   * (unweighted mean over non-empty equal-width bins; not this project's adaptive ECE).
   */
  referenceMetrics: {
    relplotSmoothEce: { value: number; bandwidth: number };
    netcalAce: { value: number; bins: number };
  };
  flags: CalibrationFlags;
  verdict: Verdict;
  /**
   * Every calibration test behind the flags and the verdict, Holm-corrected together
   * (calibration-tests.ts).
   */
  tests: CalibrationTestFamily;
  /**
   * The bin that sets the MCE, with its count and its own Wilson interval (null without
   * samples). The MCE has no bootstrap interval (its ci95 is [NaN, NaN]): resampling a small
   * bin that is all wrong keeps it all wrong, so such an interval looks tight and means nothing.
   */
  mceBin: MceBin | null;
  /**
   * Binned ECEs corrected for their upward bias (ece-bias.ts): Kumar et al.'s debiased ECE and
   * the basic-bootstrap interval, which covers the true value where the percentile interval of
   * the plug-in value may not.
   */
  debiased: Partial<Record<'ece' | 'adaptiveEce' | 'classwiseEce', MetricEstimate>>;
  /** Sample-size cautions (sample-size.ts). */
  sampleSize: SampleSizeCaution;
  /** The smooth-ECE bandwidth σ* (fixed point smECE_σ = σ). */
  smoothEceBandwidth: number;
  sampleCount: number;
  numClasses: number;
  /** Equal-width bin count used for ECE, MCE, adaptive and classwise ECE. */
  binCount: number;
  bootstrapResamples: number;
  seed: number;
  /**
   * How the intervals were computed (absent in documents saved before it was recorded: the exact
   * bootstrap). See IntervalMethod.
   */
  intervalMethod?: IntervalMethod;
}

/**
 * 'bootstrap': the percentile bootstrap, `resamples` multinomial resamples of the n samples.
 * 'bag-of-little-bootstraps' (above `threshold` samples; Kleiner et al. 2014, little-bootstrap.ts):
 * `subsets` subsets of `subsetSize` rows, each resampled `resamplesPerSubset` times to n, the
 * interval ends averaged over subsets. 'none': no resamples were asked for.
 */
export type IntervalMethod =
  | { method: 'none' }
  | { method: 'bootstrap'; resamples: number }
  | {
      method: 'bag-of-little-bootstraps';
      threshold: number;
      subsets: number;
      subsetSize: number;
      resamplesPerSubset: number;
    };
