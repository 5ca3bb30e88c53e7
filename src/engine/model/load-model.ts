import { createHash } from 'node:crypto';
import path from 'node:path';
import { cloneJson } from '../../shared/clone-json';
import * as tf from '@tensorflow/tfjs';
import { printablePath } from '../excerpt';
import { InputError } from '../input-error';
import { readModelJson, type ModelFormat, type ModelJsonFile } from './model-json';
import type { ModelSummary } from '../../shared/audit-document';
import type { PixelScaling } from '../data';
import { readModelMetadata } from './model-metadata';
import { normalizeKeras3Topology } from './keras3-topology';
import { exposeLogits, type OutputKind } from './output-head';
import { checkWeightShards, readWeightShards } from './weight-shards';
import { toClassScores, type ClassScores } from './class-scores';

export interface ModelInfo {
  /** The model's JSON file. */
  file: string;
  name: string;
  format: ModelFormat;
  /** Input shape without the batch dimension, e.g. [28, 28, 1]. */
  inputShape: number[];
  /** K: classes the audit sees (a single sigmoid unit counts as 2). */
  numClasses: number;
  classNames: string[] | null;
  classNamesSource: string | null;
  parameters: number;
  /** sha256 over the model JSON and the weight shards, in manifest order. */
  fingerprint: string;
  output: OutputKind;
  preprocessing: { scaling: PixelScaling | null; crop: 'center' | 'none' | null };
  weightFiles: string[];
}

export interface LoadedModel {
  info: ModelInfo;
  /** The tfjs model with a linear head where the topology allowed it (see output-head.ts). */
  model: tf.LayersModel | tf.GraphModel;
  /** Runs one batch (NHWC or features, row-major) and returns per-class logits and probabilities. */
  predict(x: Float32Array, count: number): Promise<ClassScores>;
  dispose(): void;
}

/** Loads a TF.js Layers or graph model from its folder (or its JSON file), checking every file first. */
export async function loadModel(location: string): Promise<LoadedModel> {
  const modelJson = await readModelJson(location);
  const shards = await checkWeightShards(modelJson);
  const metadata = await readModelMetadata(modelJson.folder);
  // The shards are read once: for the fingerprint and for tfjs.
  const weights = await readWeightShards(modelJson, shards);
  const fingerprint = createHash('sha256')
    .update(modelJson.bytes)
    .update(new Uint8Array(weights[1]))
    .digest('hex');

  const topology = cloneJson(modelJson.json.modelTopology) as Record<string, unknown>;
  if (modelJson.format === 'layers') normalizeKeras3Topology(topology);
  const head = modelJson.format === 'layers' ? exposeLogits(topology) : { kind: null, units: null };
  const handler: tf.io.IOHandler = {
    load: () =>
      tf.io.getModelArtifactsForJSON(
        { ...modelJson.json, modelTopology: topology },
        async () => weights,
      ),
  };
  const model = await loadWithTfjs(modelJson, handler);
  try {
    const inputShape = readInputShape(modelJson.file, model);
    const probe = await runBatch(
      model,
      new Float32Array(inputShape.reduce((a, b) => a * b, 1)),
      1,
      inputShape,
    );
    const width = probe.length;
    const kind = head.kind ?? detectOutputKind(probe, width);
    const numClasses = width === 1 ? 2 : width;
    if (kind === 'sigmoid' && width > 1) {
      throw new InputError(
        modelJson.file,
        `ends in ${width} sigmoid units (a multi-label model); only single-label classifiers can be audited.`,
      );
    }
    const classNames = metadata.classNames;
    if (classNames && classNames.length !== numClasses) {
      throw new InputError(
        path.join(modelJson.folder, metadata.classNamesSource?.split(' ')[0] ?? 'metadata.json'),
        `lists ${classNames.length} class names but the model has ${numClasses} classes.`,
      );
    }
    const info: ModelInfo = {
      file: modelJson.file,
      name: metadata.displayName ?? modelName(modelJson),
      format: modelJson.format,
      inputShape,
      numClasses,
      classNames,
      classNamesSource: metadata.classNamesSource,
      parameters: countParameters(model, modelJson),
      fingerprint,
      output: kind,
      preprocessing: { scaling: metadata.scaling, crop: metadata.crop },
      weightFiles: shards.map((s) => s.file),
    };
    return {
      info,
      model,
      predict: async (x, count) =>
        toClassScores(await runBatch(model, x, count, inputShape), count, kind),
      dispose: () => model.dispose(),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

async function loadWithTfjs(
  modelJson: ModelJsonFile,
  handler: tf.io.IOHandler,
): Promise<tf.LayersModel | tf.GraphModel> {
  try {
    return modelJson.format === 'graph'
      ? await tf.loadGraphModel(handler)
      : await tf.loadLayersModel(handler);
  } catch (error) {
    throw describeTfjsLoadError(modelJson.file, error);
  }
}

function describeTfjsLoadError(file: string, error: unknown): Error {
  if (error instanceof InputError) return error;
  // TF.js's messages may carry names and values from the file: one line, escaped, capped.
  const message = printablePath(
    (error instanceof Error ? error.message : String(error)).split('\n')[0],
    300,
  );
  const unknownLayer = /Unknown layer: (\w+)/.exec(message);
  if (unknownLayer) {
    return new InputError(
      file,
      `uses the layer class '${unknownLayer[1].slice(0, 80)}', which TF.js Layers does not know (a custom layer must be registered, or convert the model without it).`,
    );
  }
  if (/batchInputShape or an inputShape/.test(message)) {
    return new InputError(
      file,
      'looks like a Keras 3 export that TF.js Layers 4.22 cannot read (InputLayer has no batch_input_shape); re-export it with Keras 2 / tf_keras.',
    );
  }
  if (/no target variable|weight/i.test(message)) {
    return new InputError(file, `has weights that do not match its topology: ${message}`);
  }
  return new InputError(file, `could not be loaded by TF.js: ${message}`);
}

function readInputShape(file: string, model: tf.LayersModel | tf.GraphModel): number[] {
  const inputs = model.inputs;
  if (inputs.length !== 1) {
    throw new InputError(
      file,
      `has ${inputs.length} inputs; only single-input classifiers are supported.`,
    );
  }
  const shape = (inputs[0].shape ?? []).slice(1);
  if (shape.length === 0 || shape.some((d) => d === null || d === undefined || d < 1)) {
    throw new InputError(
      file,
      `has an input shape with unknown dimensions (${JSON.stringify(inputs[0].shape)}); a fixed input size is needed.`,
    );
  }
  return shape as number[];
}

async function runBatch(
  model: tf.LayersModel | tf.GraphModel,
  x: Float32Array,
  count: number,
  inputShape: number[],
): Promise<Float32Array> {
  const output = tf.tidy(() => {
    const input = tf.tensor(x, [count, ...inputShape], 'float32');
    const result = model.predict(input);
    const tensor = Array.isArray(result) ? result[0] : (result as tf.Tensor);
    return tensor.reshape([count, -1]);
  });
  try {
    return (await output.data()) as Float32Array;
  } finally {
    output.dispose();
  }
}

function detectOutputKind(values: Float32Array, width: number): OutputKind {
  const inUnitRange = values.every((v) => v >= 0 && v <= 1);
  if (width === 1) return inUnitRange ? 'sigmoid-probability' : 'sigmoid';
  const sum = values.reduce((a, b) => a + b, 0);
  return inUnitRange && Math.abs(sum - 1) < 1e-3 ? 'probabilities' : 'logits';
}

function countParameters(model: tf.LayersModel | tf.GraphModel, modelJson: ModelJsonFile): number {
  if (model instanceof tf.LayersModel) return model.countParams();
  const specs = (modelJson.json.weightsManifest as tf.io.WeightsManifestConfig).flatMap(
    (g) => g.weights,
  );
  return specs.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
}

function modelName(modelJson: ModelJsonFile): string {
  const base = path.basename(modelJson.file, '.json');
  return base === 'model' ? path.basename(modelJson.folder) : base;
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
  };
}
