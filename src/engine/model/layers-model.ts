import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelFormat } from '../../shared/model-formats';
import { printablePath } from '../excerpt';
import { InputError } from '../input-error';
import { toClassScores } from './class-scores';
import { normalizeKeras3Topology } from './keras3-topology';
import type { LoadedModel, ModelInfo } from './loaded-model';
import type { ModelMetadata } from './model-metadata';
import { exposeLogits } from './output-head';
import { probeOutput, readInputShape, runBatch } from './tfjs-run';
import { cloneJson } from '../../shared/clone-json';

/** A Keras-style topology and its weights, from any file format that holds one. */
export interface LayersSource {
  file: string;
  /** The folder beside the model (metadata.json, labels.txt; an export never writes into it). */
  folder: string;
  name: string;
  format: ModelFormat;
  fingerprint: string;
  metadata: ModelMetadata;
  /** The model topology as the file holds it (Keras 2 or Keras 3 JSON form); not modified. */
  topology: Record<string, unknown>;
  /** TF.js weights by name (a TF.js folder's shards), ... */
  weights:
    | { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }
    /** ... or a function that sets them on the built model (Keras files, layer by layer). */
    | { assign(model: tf.LayersModel): void };
  weightFiles: string[];
  generatedBy?: string | null;
  convertedBy?: string | null;
  /** Turns a tfjs load error into the message for this format (default: the TF.js wording). */
  describeError?: (error: unknown) => Error;
}

/**
 * Builds a TF.js Layers model from a topology and weights, with its softmax/sigmoid head made
 * linear (looking through nested models) so that true logits are kept, checks its input and class
 * names, and declares it trainable. Used by every format that holds a Keras model (TF.js Layers
 * folders, .keras, .h5).
 */
export async function openLayersModel(source: LayersSource): Promise<LoadedModel> {
  const original = cloneJson(source.topology);
  normalizeKeras3Topology(original);
  const linear = cloneJson(original);
  const head = exposeLogits(linear);
  const describe = source.describeError ?? ((e: unknown) => describeTfjsLoadError(source.file, e));
  let model: tf.LayersModel;
  try {
    const weights = source.weights;
    model =
      'assign' in weights
        ? await tf.models.modelFromJSON({
            modelTopology: linear as tf.io.ModelJSON['modelTopology'],
          })
        : await tf.loadLayersModel(
            tf.io.fromMemory({
              modelTopology: linear,
              weightSpecs: weights.specs,
              weightData: weights.data,
            }),
          );
  } catch (error) {
    throw describe(error);
  }
  try {
    const weights = source.weights;
    if ('assign' in weights) weights.assign(model);
    const inputShape = readInputShape(source.file, model);
    const run = (x: Float32Array, count: number) => runBatch(model, x, count, inputShape);
    const { kind, numClasses } = await probeOutput(source.file, run, inputShape, head.kind);
    const info: ModelInfo = {
      file: source.file,
      name: source.metadata.displayName ?? source.name,
      format: source.format,
      inputShape,
      numClasses,
      classNames: checkClassNames(source, numClasses),
      classNamesSource: source.metadata.classNamesSource,
      parameters: model.countParams(),
      fingerprint: source.fingerprint,
      output: kind,
      preprocessing: { scaling: source.metadata.scaling, crop: source.metadata.crop },
      weightFiles: source.weightFiles,
      notTrainable: null,
    };
    return {
      info,
      predict: async (x, count) => toClassScores(await run(x, count), count, kind),
      dispose: () => model.dispose(),
      trainable: {
        model,
        topology: original,
        folder: source.folder,
        generatedBy: source.generatedBy ?? null,
        convertedBy: source.convertedBy ?? null,
      },
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function checkClassNames(source: LayersSource, numClasses: number): string[] | null {
  const { classNames, classNamesSource } = source.metadata;
  if (classNames && classNames.length !== numClasses) {
    throw new InputError(
      classNamesSource?.startsWith('--classes')
        ? source.file
        : path.join(source.folder, classNamesSource?.split(' ')[0] ?? 'metadata.json'),
      `lists ${classNames.length} class names but the model has ${numClasses} classes.`,
    );
  }
  return classNames;
}

/** A tfjs Layers load error in words (unknown layers, Keras 3 inputs, weights that do not fit). */
export function describeTfjsLoadError(file: string, error: unknown): Error {
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
