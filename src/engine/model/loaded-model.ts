import type * as tf from '@tensorflow/tfjs';
import type { ModelSummary } from '../../shared/audit-document';
import type { ModelFormat } from '../../shared/model-formats';
import type { PixelScaling } from '../data';
import type { ClassScores } from './class-scores';
import type { OutputKind } from './output-head';

export type { ModelFormat };

export interface ModelInfo {
  /** The file the model was opened from (a TF.js model's JSON, a .keras/.h5/.onnx file). */
  file: string;
  name: string;
  format: ModelFormat;
  /** Input shape without the batch dimension, as the data is laid out, e.g. [28, 28, 1]. */
  inputShape: number[];
  /** K: classes the audit sees (a single sigmoid unit counts as 2). */
  numClasses: number;
  classNames: string[] | null;
  classNamesSource: string | null;
  parameters: number;
  /** sha256 over the model's files, in a fixed order. */
  fingerprint: string;
  output: OutputKind;
  preprocessing: { scaling: PixelScaling | null; crop: 'center' | 'none' | null };
  weightFiles: string[];
  /** Why this model cannot be fine-tuned (one sentence after its file name); null when it can. */
  notTrainable: string | null;
  /**
   * What runs the model when it is not the tfjs backend (the provenance's `backend`): ONNX models
   * run in onnxruntime-node. Absent: the selected tfjs backend.
   */
  runtime?: ModelRuntime;
  /**
   * A model with one input per feature (an ONNX export of a scikit-learn ColumnTransformer): the
   * CSV columns it reads, by name, in its input order. Absent: features are matched by count and
   * order.
   */
  inputColumns?: string[];
}

/** Runtimes other than tfjs that run a model. */
export type ModelRuntime = 'onnxruntime-node (CPU)';

/**
 * What fine-tuning needs from a model that can train: a TF.js Layers model whose head gives logits
 * (the loader made a softmax/sigmoid head linear), and what the export writes back.
 */
export interface TrainableCapability {
  /** The Layers model (linear head) that predict() runs; fine-tuning trains a fresh load of it. */
  model: tf.LayersModel;
  /** The topology with its original head activation, in the Keras 2 form TF.js reads. */
  topology: Record<string, unknown>;
  /** The folder whose metadata.json an export merges over; an export never writes into it. */
  folder: string;
  generatedBy: string | null;
  convertedBy: string | null;
}

/**
 * An opened model, whatever its format. Its face has no tfjs types: hosts, the audit and the data
 * pipeline only see info, predict and dispose. A model that can be fine-tuned says so with
 * `trainable`; one that cannot says why in `info.notTrainable` (one sentence).
 */
export interface LoadedModel {
  info: ModelInfo;
  /** Runs one batch (NHWC or features, row-major) and returns per-class logits and probabilities. */
  predict(x: Float32Array, count: number): Promise<ClassScores>;
  dispose(): void;
  trainable?: TrainableCapability;
}

/** The part of ModelInfo that hosts show and audits record. */
export function summariseModel(info: ModelInfo): ModelSummary {
  return {
    file: info.file,
    name: info.name,
    format: info.format,
    inputShape: info.inputShape,
    numClasses: info.numClasses,
    classNames: info.classNames,
    parameters: info.parameters,
    output: info.output,
    fingerprint: info.fingerprint,
    notTrainable: info.notTrainable,
  };
}
