import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ModelFormat } from '../../shared/model-formats';
import { InputError } from '../input-error';
import { openLayersModel } from './layers-model';
import type { LoadedModel } from './loaded-model';
import { readModelMetadata, withClassNames } from './model-metadata';
import type { ModelOpenOptions } from './model-loader';
import { cloneJson } from '../../shared/clone-json';

/** What the two Keras loaders (.keras and .h5) hand over once they have read their file. */
export interface KerasFile {
  file: string;
  format: Extract<ModelFormat, 'keras' | 'keras-h5'>;
  /** The whole file, for the fingerprint. */
  bytes: Uint8Array;
  /** The model config (`{class_name, config}`), as Keras wrote it. */
  config: Record<string, unknown>;
  assign: (model: import('@tensorflow/tfjs').LayersModel) => void;
}

/**
 * Builds a Keras model as a TF.js Layers model (the Keras 3 config normalised as for TF.js
 * folders), sets its weights from the HDF5 file, and reads class names from `labels.txt` /
 * `metadata.json` beside the file (or `--classes`).
 */
export async function openKerasModel(
  keras: KerasFile,
  options: ModelOpenOptions,
): Promise<LoadedModel> {
  const folder = path.dirname(keras.file);
  const metadata = withClassNames(await readModelMetadata(folder), options.classNames);
  const fingerprint = createHash('sha256').update(keras.bytes).digest('hex');
  return openLayersModel({
    file: keras.file,
    folder,
    name: path.basename(keras.file, path.extname(keras.file)),
    format: keras.format,
    fingerprint,
    metadata,
    topology: adaptKerasConfig(cloneJson(keras.config)),
    weights: { assign: keras.assign },
    weightFiles: [keras.file],
    generatedBy: `Keras (${path.basename(keras.file)})`,
    convertedBy: 'Calibration Audit',
    describeError: (error) => describeKerasBuildError(keras.file, error),
  });
}

/** Parses the model config JSON; checks it describes a model. */
export function parseKerasConfig(
  file: string,
  text: string,
  where: string,
): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(
      file,
      `has a ${where} that is not valid JSON (${(error as Error).message}).`,
    );
  }
  const record = json as Record<string, unknown> | null;
  if (!record || typeof record !== 'object' || typeof record.class_name !== 'string') {
    throw new InputError(file, `has a ${where} that does not describe a Keras model.`);
  }
  if (!['Sequential', 'Functional', 'Model'].includes(record.class_name)) {
    throw new InputError(
      file,
      `holds a '${record.class_name}' model; only Sequential and Functional Keras models (no subclassed models) can be rebuilt.`,
    );
  }
  return record;
}

function describeKerasBuildError(file: string, error: unknown): Error {
  if (error instanceof InputError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  const unknown =
    /Unknown (?:layer|activation|initializer|regularizer|constraint)[^:]*: (\S+)/.exec(message);
  if (unknown) {
    return new InputError(
      file,
      `uses '${unknown[1].replace(/\.$/, '')}', which TF.js Layers does not have, so the model cannot be rebuilt here; export it to ONNX, or audit its predictions with --scores.`,
    );
  }
  return new InputError(file, `could not be rebuilt as a TF.js Layers model: ${message}`);
}

/** Keras config fields that TF.js Layers refuses for a layer class (it would throw on them). */
const REFUSED_FIELDS: Record<string, string[]> = {
  SeparableConv1D: ['kernel_initializer', 'kernel_regularizer', 'kernel_constraint'],
  SeparableConv2D: ['kernel_initializer', 'kernel_regularizer', 'kernel_constraint'],
};

/**
 * Drops config fields Keras writes but TF.js Layers refuses (SeparableConv's unused
 * kernel_initializer), in nested models too. The model computes the same: they only describe how
 * weights would be initialised or regularised in training from scratch.
 */
export function adaptKerasConfig(config: Record<string, unknown>): Record<string, unknown> {
  const visit = (model: { config?: unknown }, depth: number) => {
    const inner = model.config as { layers?: unknown } | unknown[] | undefined;
    const layers = Array.isArray(inner) ? inner : (inner as { layers?: unknown })?.layers;
    if (!Array.isArray(layers) || depth > 16) return;
    for (const layer of layers as { class_name?: string; config?: Record<string, unknown> }[]) {
      for (const field of REFUSED_FIELDS[layer.class_name ?? ''] ?? [])
        delete layer.config?.[field];
      if (layer.config && Array.isArray((layer.config as { layers?: unknown }).layers)) {
        visit(layer, depth + 1);
      }
    }
  };
  visit(config, 0);
  return config;
}
