import type { ModelFormat } from './model-formats';
import type { CalibrationReport, FlaggedClass, FlaggedSample, PerClassStats } from '../core/types';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
/** 'imagenet': (x/255 − mean)/std per channel with ImageNet's mean and standard deviation. */
export type PixelScaling = '0-1' | '-1-1' | '0-255' | 'imagenet';
export type OutputKind = 'softmax' | 'sigmoid' | 'logits' | 'probabilities' | 'sigmoid-probability';

/** Where an audit's numbers came from: enough to reproduce it or to tell two audits apart. */
export interface Provenance {
  /**
   * The tfjs backend that ran the model; 'onnxruntime-node (CPU)' for an ONNX model (onnxruntime
   * runs it, not tfjs); 'none' for a score file (no model runs).
   */
  backend: BackendName | 'onnxruntime-node (CPU)' | 'none';
  /** Why faster backends were not used. */
  backendFallbacks: string[];
  modelFingerprint: string;
  datasetFingerprint: string;
  sampleCount: number;
  classNames: string[];
  appVersion: string;
  createdAt: string;
  outputKind: OutputKind;
  /** Pixel scaling of the test set; null for a score file (no pixels are read). */
  scaling: PixelScaling | null;
  /** Running the model over the test set, or reading the score file. */
  inferenceSeconds: number;
  metricsSeconds: number;
}

export interface ModelSummary {
  file: string;
  name: string;
  format: ModelFormat;
  inputShape: number[];
  numClasses: number;
  classNames: string[] | null;
  parameters: number;
  output: OutputKind;
  fingerprint: string;
  /**
   * Why the model cannot be fine-tuned (one sentence that follows its file name, e.g. an ONNX
   * model); null or absent when it can.
   */
  notTrainable?: string | null;
  /** Whether it can be fine-tuned and which layers could train (set when a model is inspected). */
  finetune?: FinetuneEligibility;
}

export interface DatasetSummary {
  path: string;
  /** 'scores': the labels of a score file (see AuditDocument.scores). */
  format: 'image-folder' | 'csv' | 'idx' | 'scores';
  sampleCount: number;
  countsPerClass: number[];
  fingerprint: string;
  skipped: { file: string; reason: string }[];
  /** A CSV of features: the columns fed to the model, in order (matched by count and order). */
  featureColumns?: string[];
  /** A CSV: the column that held the labels (chosen, or found by its name). */
  labelColumn?: string;
  /** How it was read: e.g. which files of a folder were used and which were left out. */
  notes?: string[];
}

/**
 * A CSV test set as it will be read against a model, shown before running: its first rows, which
 * column holds the labels (guessed when one is named label/target/class/y, else chosen), which are
 * features, and how its labels map to the model's classes.
 */
export interface CsvPreview {
  /** The CSV file (a folder holding just one CSV is read as it). */
  file: string;
  columns: string[];
  /** The first rows (at most PREVIEW_ROWS), cells cut to 40 characters. */
  rows: string[][];
  /** Data rows in the whole file. */
  rowCount: number;
  /** The label column used: the one asked for, else the obvious one; null when there is none. */
  labelColumn: string | null;
  /** The label column was found by its name rather than chosen. */
  labelGuessed: boolean;
  /** An `id` column, named samples by it. */
  idColumn: string | null;
  /** The columns fed to the model, in order. */
  featureColumns: string[];
  /** What the model takes (features, or pixel values H×W×C). */
  expectedFeatures: number;
  /** Each distinct label (most frequent first), its row count and the model class it maps to (null: none). */
  mapping: { label: string; count: number; classIndex: number | null }[];
  /** Labels that name no class of the model (cut to 40 characters). */
  unknownLabels: string[];
  /** Why the audit cannot run as set (one line each); empty when it can. */
  problems: string[];
}

/** Whether a model can be fine-tuned here, and which layers would train; shown when it is opened. */
export interface FinetuneEligibility {
  eligible: boolean;
  /** When not: why (one sentence after the model's name). */
  reason: string | null;
  /** When eligible: the layers with weights, innermost, in model order (the head last). */
  layers: string[];
}

export type ScoreFileFormat = 'csv' | 'npy' | 'npz' | 'parquet';

/**
 * A file (or a folder of Parquet part files) of per-sample labels and predicted probabilities or
 * logits, audited without a model.
 */
export interface ScoreFileSummary {
  /** The file or folder as given. */
  path: string;
  /** Its base name, shown where a model's name would be. */
  name: string;
  format: ScoreFileFormat;
  /** The files read: the file itself, or the part files of a folder (and labels.npy beside probs.npy). */
  files: string[];
  /** What the scores are; probabilities are turned into log-probabilities where logits are needed. */
  output: 'probabilities' | 'logits';
  /** The column or array the labels were read from. */
  labelColumn: string;
  /** The K columns (or the one array) the scores were read from, in class order. */
  scoreColumns: string[];
  numClasses: number;
  /** Class names from --classes or class-named columns; null when the classes are numbered. */
  classNames: string[] | null;
  /** sha256 of the scores (not of the labels: the dataset fingerprint covers those). */
  fingerprint: string;
}

export interface NamedFlaggedSample extends FlaggedSample {
  /** The sample's reference in the test set (relative image path, row:N, idx:N). */
  id: string;
  labelName: string;
  predictionName: string;
}

export interface NamedFlaggedClass extends FlaggedClass {
  className: string;
}

export interface NamedPerClassStats extends PerClassStats {
  className: string;
}

/**
 * One audit as the command line writes it (`--json`), the app shows it and the history keeps it.
 * Documented field by field in docs/audit-json.md. NaN values are written as null.
 */
export interface AuditDocument extends Omit<
  CalibrationReport,
  | 'flags'
  | 'perClass'
  | 'corp'
  | 'referenceMetrics'
  | 'tests'
  | 'mceBin'
  | 'debiased'
  | 'sampleSize'
> {
  /** The Holm-corrected calibration tests; absent in audits saved before them. */
  tests?: CalibrationReport['tests'];
  /** The bin that sets the MCE; absent in audits saved before it. */
  mceBin?: CalibrationReport['mceBin'];
  /** Bias-corrected binned ECEs; absent in audits saved before them. */
  debiased?: CalibrationReport['debiased'];
  /** Sample-size cautions; absent in audits saved before them. */
  sampleSize?: CalibrationReport['sampleSize'];
  /** CORP diagram and decomposition; absent in audits saved before it existed. */
  corp?: CalibrationReport['corp'];
  /** The reference libraries' values; absent in audits saved before they were added. */
  referenceMetrics?: CalibrationReport['referenceMetrics'];
  schema: 'calibration-audit/audit';
  schemaVersion: 1;
  flags: Omit<CalibrationReport['flags'], 'samples' | 'classes'> & {
    samples: NamedFlaggedSample[];
    classes: NamedFlaggedClass[];
  };
  perClass: NamedPerClassStats[];
  provenance: Provenance;
  /** The model that was run; null when the audit read a score file (see `scores`). */
  model: ModelSummary | null;
  /** The score file audited instead of a model; absent for a model audit. */
  scores?: ScoreFileSummary;
  /** The test set (for a score file: its ids and labels, format 'scores'). */
  dataset: DatasetSummary;
  /** Files of the test set that could not be read, each with its reason. */
  skipped: { file: string; reason: string }[];
  /**
   * The names shown for the model (or score file) and the test set: the name of the file or folder
   * the user gave (or the demo's own names), never a host's temporary path. Absent in audits saved
   * before it existed (then the model's own name and the test set's base name stand in).
   */
  names?: AuditNames;
}

/** What an audit's model (or score file) and test set are called wherever the audit is shown. */
export interface AuditNames {
  model: string;
  testSet: string;
}
