import type { CalibratorId, CalibratorParameters } from '../core/calibrators/types';
import type {
  ConfidenceHistogram,
  LogitGapSummary,
  MetricEstimate,
  MetricName,
  ReliabilityBin,
  RiskCoverageCurve,
} from '../core/types';
import type {
  BackendName,
  DatasetSummary,
  ModelSummary,
  OutputKind,
  PixelScaling,
  Provenance,
  ScoreFileSummary,
} from './audit-document';

/** The arms that are fine-tuned. */
export type TrainedArmName = 'control' | 'smoothed';
/**
 * Every arm a fine-tune can compare, all measured on the same evaluation part: the original, the
 * two fine-tunes, and one post-hoc arm per registered calibrator (`src/core/calibrators`).
 */
export type FinetuneArmName = 'original' | TrainedArmName | CalibratorId;
/** The arms that are compared with the original. */
export type ComparedArmName = Exclude<FinetuneArmName, 'original'>;
/** Arms every fine-tune has (documents saved before the calibrator registry have only these). */
export type CoreArmName = 'original' | TrainedArmName | 'temperature';

/** The order arms are listed in: original, fine-tunes, then the calibrators in registry order. */
export const FINETUNE_ARM_ORDER: readonly FinetuneArmName[] = [
  'original',
  'control',
  'smoothed',
  'temperature',
  'vector',
  'matrix',
  'dirichlet',
  'platt',
  'histogram',
  'isotonic',
];

/** The arms a document holds, in `FINETUNE_ARM_ORDER`. */
export function armNamesOf(arms: Partial<Record<FinetuneArmName, unknown>>): FinetuneArmName[] {
  return FINETUNE_ARM_ORDER.filter((name) => arms[name] !== undefined);
}

/** The arms an export can write: the smoothed fine-tune and every post-hoc arm. */
export type ExportableArm = 'smoothed' | CalibratorId;

/** Arms a model can be exported from, in `FINETUNE_ARM_ORDER`. */
export const EXPORTABLE_ARMS: readonly ExportableArm[] = FINETUNE_ARM_ORDER.filter(
  (name): name is ExportableArm => name !== 'original' && name !== 'control',
);

export function isExportableArm(name: string): name is ExportableArm {
  return (EXPORTABLE_ARMS as readonly string[]).includes(name);
}

/** The arms of a document: the four every fine-tune has, the other calibrators when run. */
export type FinetuneArms<T> = Record<CoreArmName, T> &
  Partial<Record<Exclude<FinetuneArmName, CoreArmName>, T>>;
/** Per compared arm (every arm but the original). */
export type ComparedArms<T> = Record<Exclude<CoreArmName, 'original'>, T> &
  Partial<Record<Exclude<FinetuneArmName, CoreArmName>, T>>;

/** A post-hoc arm's fitted map (fitted on the calibration part only). */
export interface FittedMapInfo {
  id: CalibratorId;
  /** e.g. "Dirichlet calibration (ODIR)". */
  name: string;
  family: 'scaling' | 'binning';
  /** The paper and the library convention followed. */
  reference: string;
  /** e.g. "T = 1.532" or "λ = μ = 0.01 (cross-validated)". */
  summary: string;
  /** Plain-JSON parameters (weights, biases, bin values, thresholds...). */
  parameters: CalibratorParameters;
}

/** The arm with the lowest value of one metric, and whether its lead over the next is clear. */
export interface BestArm {
  metric: 'nll' | 'ece';
  arm: FinetuneArmName;
  /** The next best arm, or null with one compared arm. */
  runnerUp: FinetuneArmName | null;
  /** Runner-up minus best, with a paired-bootstrap 95% interval (null without a runner-up). */
  lead: MetricEstimate | null;
  /** The interval of the lead lies above 0. */
  clear: boolean;
}

/** Which layers train: the last layer with weights, the last N layers with weights, or all. */
export type LayerSelectionText = 'head' | 'all' | `last:${number}`;

/** How the run was set up (everything needed to repeat it). */
export interface FinetuneSettings {
  /** The alpha of the smoothed arm (the chosen one when several were tried). */
  alpha: number;
  /** Every alpha tried, in the order given (one value unless a sweep). */
  alphas: number[];
  epochs: number;
  batchSize: number;
  optimizer: 'adam';
  learningRate: number;
  /** As asked: `head`, `last:N` or `all`. */
  layers: LayerSelectionText;
  /** The layers that trained (innermost layer names). */
  trainableLayers: string[];
  /** Weights that trained. */
  trainableParameters: number;
  /** Frozen BatchNormalization layers, run in inference mode during fine-tuning. */
  frozenBatchNormLayers: string[];
  /** `softmax` (categorical, y' = y(1 − a) + a/K) or `sigmoid` (binary, y' = y(1 − a) + a/2). */
  loss: 'softmax-cross-entropy' | 'sigmoid-cross-entropy';
  /** Seeds the split, the batch order and the bootstrap. */
  seed: number;
  /** Fractions the labelled set was split in (finetune is 0 with a separate fine-tuning set). */
  splitFractions: { finetune: number; calibration: number; evaluation: number };
  /** Equal-width bins for ECE. */
  bins: number;
  bootstrapResamples: number;
  /** How the alpha of the smoothed arm was chosen. */
  alphaSelection: 'given' | 'lowest calibration NLL';
  /**
   * The post-hoc calibrators run on the original (fitted on the calibration part). Absent in
   * documents saved before the calibrator registry, which ran temperature scaling only.
   */
  calibrators?: CalibratorId[];
}

/** One part of the data: where it came from, its size and its samples. */
export interface FinetunePart {
  /** The file or folder the samples were read from. */
  path: string;
  size: number;
  /** Samples per model class. */
  countsPerClass: number[];
  /** Sample ids (`idx:N`, `row:N` or relative image paths), in the order used. */
  ids: string[];
}

export interface FinetuneSplit {
  /** `split`: the fine-tune part is cut from the labelled set; `separate`: it is `trainDataPath`. */
  source: 'split' | 'separate';
  finetune: FinetunePart;
  /** Where the temperature is fitted and the alpha chosen; never reported on. */
  calibration: FinetunePart;
  /** Where every arm is measured. */
  evaluation: FinetunePart;
}

/** What the calibration part says about an arm (used to choose alpha; not a reported result). */
export interface CalibrationPartScore {
  nll: number;
  ece: number;
}

/** One arm measured on the evaluation part. */
export interface FinetuneArm {
  name: FinetuneArmName;
  /** Plain-language name, e.g. "label smoothing (α = 0.1)". */
  label: string;
  /** Smoothing alpha of a fine-tuned arm; null for the original and the post-hoc arms. */
  alpha: number | null;
  /** The fitted temperature of the temperature arm; null for the others. */
  temperature: number | null;
  /**
   * The fitted map of a post-hoc arm; null for the original and the fine-tunes. Absent in
   * documents saved before the calibrator registry (read as null).
   */
  calibrator?: FittedMapInfo | null;
  /** As in the audit document: every metric with its 95% bootstrap interval. */
  metrics: Record<MetricName, MetricEstimate>;
  bins: ReliabilityBin[];
  confidenceHistogram: ConfidenceHistogram;
  /** Top-1 minus top-2 logit (for the temperature arm: of the logits divided by T). */
  logitGap: LogitGapSummary | null;
  riskCoverage: RiskCoverageCurve;
  /** The same arm on the calibration part. */
  calibration: CalibrationPartScore;
}

/** One epoch of one fine-tune. */
export interface FinetuneEpoch {
  /** `control` (α = 0), `smoothed` (the chosen α) or `sweep` (an α tried and not chosen). */
  arm: TrainedArmName | 'sweep';
  alpha: number;
  epoch: number;
  /** Mean smoothed cross-entropy over the epoch's batches. */
  loss: number;
  /** Fraction of fine-tuning samples predicted right during the epoch (training mode). */
  accuracy: number;
  /** ECE on the calibration part after the epoch. */
  calibrationEce: number;
  /** Seconds of the epoch's training (without the calibration-part pass). */
  seconds: number;
}

/** One alpha of a sweep. */
export interface SweepEntry {
  alpha: number;
  chosen: boolean;
  calibration: CalibrationPartScore;
  /** Measured on the evaluation part, like the arms. */
  metrics: Record<MetricName, MetricEstimate>;
}

export interface FinetuneProvenance {
  backend: BackendName;
  backendFallbacks: string[];
  modelFingerprint: string;
  /** The labelled set (split into the parts). */
  datasetFingerprint: string;
  /** The separate fine-tuning set, when given. */
  trainDatasetFingerprint: string | null;
  classNames: string[];
  appVersion: string;
  createdAt: string;
  outputKind: OutputKind;
  scaling: PixelScaling;
  /** Fine-tuning time over every arm and alpha. */
  trainingSeconds: number;
  totalSeconds: number;
}

/**
 * One fine-tune with label smoothing and its honest comparison, as the command line writes it
 * (`finetune --json`). Documented field by field in docs/finetune-json.md. NaN is written as null.
 */
export interface FinetuneDocument {
  schema: 'calibration-audit/finetune';
  schemaVersion: 1;
  settings: FinetuneSettings;
  split: FinetuneSplit;
  arms: FinetuneArms<FinetuneArm>;
  /** Each arm minus the original, with paired-bootstrap 95% intervals. */
  deltas: ComparedArms<Record<MetricName, MetricEstimate>>;
  /**
   * The compared arm with the lowest NLL and the one with the lowest ECE on the evaluation part,
   * each with its lead over the next. Absent in documents saved before the calibrator registry.
   */
  best?: { nll: BestArm; ece: BestArm };
  /** Smoothed minus control: what smoothing adds beyond fine-tuning with the same budget. */
  smoothingEffect: Record<MetricName, MetricEstimate>;
  /** The alpha of the smoothed arm. */
  alpha: number;
  /** Every alpha tried, when a list was given; null otherwise. */
  sweep: SweepEntry[] | null;
  history: FinetuneEpoch[];
  /** Plain-language statements of gains and costs. */
  tradeOffs: string[];
  /**
   * The logit gap at which smoothed cross-entropy is minimal, log((1 − a + a/K) / (a/K)), for the
   * chosen alpha; null (infinite) when alpha is 0.
   */
  optimumLogitGap: { alpha: number; numClasses: number; value: number | null };
  provenance: FinetuneProvenance;
  model: ModelSummary;
  /** The labelled set. */
  dataset: DatasetSummary;
  /** The separate fine-tuning set, when given. */
  trainDataset: DatasetSummary | null;
  /** The folder the exported arm was written to (`--out`), or null. */
  exportedModel: string | null;
  /**
   * The arm in `exportedModel`: `smoothed` or a post-hoc arm (`--export-arm`); null without an
   * export. Absent in documents saved before arms could be exported.
   */
  exportedArm?: ExportableArm | null;
}

export type FinetunePhase = 'loading' | 'original' | 'training' | 'metrics' | 'export';

/**
 * Progress of a fine-tune, as the engine streams it: per batch while training (`done` / `total`
 * samples of the epoch) and once per finished epoch (`completedEpoch`).
 */
export interface FinetuneProgress {
  /** Tells it apart from an audit's progress. */
  task: 'finetune';
  phase: FinetunePhase;
  /** The fine-tune running: control (α = 0) or a smoothed candidate. */
  arm?: TrainedArmName;
  alpha?: number;
  /** 1-based number of this fine-tune, of `runs` (control included). */
  run?: number;
  runs?: number;
  epoch?: number;
  epochs?: number;
  /** Samples done of the epoch. */
  done?: number;
  total?: number;
  /** Set on the event that ends an epoch: its loss, training accuracy, calibration ECE, seconds. */
  completedEpoch?: FinetuneEpoch;
}

/**
 * What the arm table and the arm titles read, in either document: a fine-tune's comparison or the
 * post-hoc calibrators alone (which has no fine-tuned arms and no smoothing effect).
 */
export interface ArmComparison {
  arms: Partial<Record<FinetuneArmName, FinetuneArm>>;
  deltas: Partial<Record<ComparedArmName, Record<MetricName, MetricEstimate>>>;
  best?: { nll: BestArm; ece: BestArm };
  smoothingEffect?: Record<MetricName, MetricEstimate> | null;
  /** The sizes of the parts the maps were fitted on and the arms scored on. */
  split: { calibration: { size: number }; evaluation: { size: number } };
}

/** The arms of a post-hoc comparison: the original and every calibrator that applies. */
export type PostHocArms<T> = Record<'original' | 'temperature', T> &
  Partial<Record<Exclude<CalibratorId, 'temperature'>, T>>;

/**
 * The post-hoc calibrators alone, on scores no model can be fine-tuned from (a score file, an ONNX
 * model): the rows are split into a calibration and an evaluation part (stratified, seeded), every
 * applicable calibrator is fitted on the calibration part, and every arm is measured on the
 * evaluation part with paired-bootstrap deltas against the original, as in a fine-tune's
 * comparison (`calibration-audit calibrate`, `audit --calibrate`, the app's post-hoc view).
 * Documented in docs/finetune-json.md.
 */
export interface PostHocDocument {
  schema: 'calibration-audit/post-hoc';
  schemaVersion: 1;
  /** One sentence: why a fine-tune is not offered for these scores. */
  finetuneNotOffered: string;
  settings: {
    seed: number;
    /** Calibration / evaluation fractions of the rows (normalised). */
    splitFractions: { calibration: number; evaluation: number };
    bins: number;
    bootstrapResamples: number;
    /** The calibrators run (those that apply to K). */
    calibrators: CalibratorId[];
    /** Where the calibrators' input came from: true logits, or log-probabilities of probabilities. */
    input: 'logits' | 'log-probabilities';
  };
  split: { calibration: FinetunePart; evaluation: FinetunePart };
  arms: PostHocArms<FinetuneArm>;
  /** Each calibrator minus the original, with paired-bootstrap 95% intervals. */
  deltas: Omit<PostHocArms<Record<MetricName, MetricEstimate>>, 'original'>;
  best: { nll: BestArm; ece: BestArm };
  tradeOffs: string[];
  provenance: {
    /** As the audit's provenance: 'onnxruntime-node (CPU)' for an ONNX model, 'none' for a score file. */
    backend: Provenance['backend'];
    modelFingerprint: string;
    datasetFingerprint: string;
    classNames: string[];
    appVersion: string;
    createdAt: string;
    outputKind: OutputKind;
    totalSeconds: number;
  };
  /** The model that was run (an ONNX audit), or null for a score file. */
  model: ModelSummary | null;
  /** The score file that was read, or null. */
  scores: ScoreFileSummary | null;
  dataset: DatasetSummary;
}
