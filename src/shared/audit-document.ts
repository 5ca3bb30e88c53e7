import type { ModelFormat } from './model-formats';
import type { CalibrationReport, FlaggedClass, FlaggedSample, PerClassStats } from '../core/types';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type PixelScaling = '0-1' | '-1-1' | '0-255';
export type OutputKind = 'softmax' | 'sigmoid' | 'logits' | 'probabilities' | 'sigmoid-probability';

/** Where an audit's numbers came from: enough to reproduce it or to tell two audits apart. */
export interface Provenance {
  backend: BackendName;
  /** Why faster backends were not used. */
  backendFallbacks: string[];
  modelFingerprint: string;
  datasetFingerprint: string;
  sampleCount: number;
  classNames: string[];
  appVersion: string;
  createdAt: string;
  outputKind: OutputKind;
  scaling: PixelScaling;
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
}

export interface DatasetSummary {
  path: string;
  format: 'image-folder' | 'csv' | 'idx';
  sampleCount: number;
  countsPerClass: number[];
  fingerprint: string;
  skipped: { file: string; reason: string }[];
  /** A CSV of features: the columns fed to the model, in order (matched by count and order). */
  featureColumns?: string[];
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
  'flags' | 'perClass' | 'corp' | 'referenceMetrics'
> {
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
  model: ModelSummary;
  dataset: DatasetSummary;
  /** Files of the test set that could not be read, each with its reason. */
  skipped: { file: string; reason: string }[];
}
