import { mkdir, readFile, realpath, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { affineFormOf, type AffineForm } from '../../core/calibrators/affine-form';
import type { CalibratorId, CalibratorParameters } from '../../core/calibrators/types';
import type { FittedMapInfo } from '../../shared/finetune-document';
import { InputError } from '../input-error';
import { CALIBRATION_MAP_FILE } from '../model/calibration-map';
import type { TrainableCapability } from '../model/loaded-model';
import { innermostLayers } from './trainable-model';

const SHARD_FILE = 'group1-shard1of1.bin';

/**
 * Writes a fine-tuned model as a normal TF.js Layers folder: `model.json` + one weight shard +
 * `metadata.json`. The engine trains a copy whose softmax or sigmoid head was made linear (to
 * get logits); the exported topology is the ORIGINAL model's, with its head activation, so
 * tf.loadLayersModel gives probabilities again (a Keras 3 topology is written in the Keras 2 form
 * that TF.js reads, as the loader normalises it). The weights (trainable and not, e.g.
 * BatchNormalization statistics) are the fine-tuned copy's, under the names the original
 * topology gives them.
 *
 * `metadata` is merged over the original folder's metadata.json (class names, scaling and
 * Teachable Machine fields are kept). Files are written beside and renamed into place. Refuses to
 * write into the original model's folder.
 */
export async function exportFinetunedModel(
  trained: TrainableCapability,
  folder: string,
  metadata: Record<string, unknown>,
): Promise<void> {
  const { model } = trained;
  await checkExportFolder(folder, trained.folder);
  const target = path.resolve(folder);
  const baseMetadata = await readOriginalMetadata(trained.folder);

  let weightSpecs: tf.io.WeightsManifestEntry[] = [];
  let weightData = Buffer.alloc(0);
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      weightSpecs = artifacts.weightSpecs ?? [];
      weightData = artifacts.weightData
        ? Buffer.from(
            tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]),
          )
        : Buffer.alloc(0);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  // The original topology (its head activation included), in the Keras 2 form TF.js reads.
  const modelJson = {
    modelTopology: trained.topology,
    format: 'layers-model',
    generatedBy: trained.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: trained.convertedBy ?? null,
    weightsManifest: [{ paths: [`./${SHARD_FILE}`], weights: weightSpecs }],
  };

  await writeLayersFolder(target, modelJson, weightData, { ...baseMetadata, ...metadata });
}

/**
 * `calibration-map.json`: a binning arm's fitted map, applied to the model's outputs by the app
 * when it loads the folder (`src/engine/model/calibration-map.ts`); documented in
 * docs/finetune-json.md.
 */
export interface CalibrationMapFile {
  schema: 'calibration-audit/calibration-map';
  schemaVersion: 1;
  calibrator: CalibratorId;
  name: string;
  /** K: classes of the model (a single sigmoid unit counts as 2, its logits are (0, z)). */
  numClasses: number;
  /** As `arms.<arm>.calibrator.parameters` of the fine-tune document. */
  parameters: CalibratorParameters;
}

/** Names of the layers an export appends (made unique against the model's own names). */
const APPENDED = {
  pair: 'calibration_logit_pair',
  logProbabilities: 'calibration_log_probabilities',
  map: 'calibration_map',
};

/**
 * Writes a post-hoc arm as a TF.js Layers folder that `tf.loadLayersModel` and this app load.
 *
 * A scaling arm (temperature, vector, matrix, Dirichlet, Platt) is the ORIGINAL model with the
 * map appended as layers on its logits: for Dirichlet a `logSoftmax` activation first (its map
 * works on log-probabilities), then one Dense layer holding W (as its kernel, transposed) and b,
 * with the softmax head; for a model with one sigmoid unit z, a Dense layer first makes the pair
 * (0, z) the maps are fitted on, and the last Dense layer gives the one calibrated logit
 * z'₁ − z'₀ with the sigmoid head. So the export computes softmax(W x + b) in float32.
 *
 * A binning arm (histogram, isotonic) is not a layer: the original model is written unchanged and
 * its map beside it in `calibration-map.json`, which the app applies when it loads the folder (and
 * the snippet in docs/finetune-json.md applies elsewhere).
 *
 * `base` must be the original model (its head made linear by the loader); the appended layers are
 * disposed afterwards, the base is not.
 */
export async function exportCalibratedModel(
  base: TrainableCapability,
  folder: string,
  arm: { map: FittedMapInfo; numClasses: number },
  metadata: Record<string, unknown>,
): Promise<void> {
  await checkExportFolder(folder, base.folder);
  const target = path.resolve(folder);
  const baseMetadata = await readOriginalMetadata(base.folder);
  const { map, numClasses } = arm;
  const calibration = {
    arm: map.id,
    name: map.name,
    reference: map.reference,
    summary: map.summary,
    parameters: map.parameters,
    numClasses,
    appliedAs: map.family === 'scaling' ? 'layers' : CALIBRATION_MAP_FILE,
  };
  const allMetadata = { ...baseMetadata, ...metadata, calibration };
  const form = affineFormOf(map.id, map.parameters, numClasses);
  if (!form) {
    await exportFinetunedModel(base, folder, { ...metadata, calibration });
    const file: CalibrationMapFile = {
      schema: 'calibration-audit/calibration-map',
      schemaVersion: 1,
      calibrator: map.id,
      name: map.name,
      numClasses,
      parameters: map.parameters,
    };
    await writeAtomically(
      path.join(target, CALIBRATION_MAP_FILE),
      JSON.stringify(file, null, 2) + '\n',
    );
    return;
  }
  const { model, added } = appendAffineForm(base.model, form, numClasses);
  // The original's layers keep the trainable flags its file gave them (a fine-tune's layer
  // selection may have changed them on this loaded copy).
  const layers = innermostLayers(base.model);
  const flags = layers.map((layer) => layer.trainable);
  const frozen = frozenLayerNames(base.topology);
  for (const layer of layers) layer.trainable = !frozen.has(layer.name);
  try {
    let topology: unknown = null;
    let weightSpecs: tf.io.WeightsManifestEntry[] = [];
    let weightData = Buffer.alloc(0);
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        topology = artifacts.modelTopology;
        weightSpecs = artifacts.weightSpecs ?? [];
        weightData = artifacts.weightData
          ? Buffer.from(
              tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]),
            )
          : Buffer.alloc(0);
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    const modelJson = {
      modelTopology: topology,
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers} (calibration-audit export)`,
      convertedBy: base.convertedBy ?? null,
      weightsManifest: [{ paths: [`./${SHARD_FILE}`], weights: weightSpecs }],
    };
    await writeLayersFolder(target, modelJson, weightData, allMetadata);
  } finally {
    layers.forEach((layer, i) => (layer.trainable = flags[i]));
    for (const layer of added) layer.dispose();
  }
}

/** Names of the layers a Keras topology marks `trainable: false`, nested models included. */
function frozenLayerNames(topology: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown, depth: number) => {
    if (!node || typeof node !== 'object' || depth > 32) return;
    const { config } = node as { config?: unknown };
    const layers = Array.isArray(config)
      ? config
      : (config as { layers?: unknown } | undefined)?.layers;
    if (Array.isArray(layers)) {
      for (const layer of layers as { config?: { name?: unknown; trainable?: unknown } }[]) {
        if (layer?.config?.trainable === false && typeof layer.config.name === 'string') {
          names.add(layer.config.name);
        }
        visit(layer, depth + 1);
      }
    }
  };
  const root = topology as { model_config?: unknown } | null;
  visit(root?.model_config ?? root, 0);
  return names;
}

/**
 * A functional model: the base's inputs, its logits, then the appended layers (see
 * `exportCalibratedModel`). Shares the base's layers; the caller disposes `added` only.
 */
export function appendAffineForm(
  base: tf.LayersModel,
  form: AffineForm,
  numClasses: number,
): { model: tf.LayersModel; added: tf.layers.Layer[] } {
  const K = numClasses;
  const output = base.outputs[0];
  const width = output.shape[output.shape.length - 1];
  if (width !== K && !(width === 1 && K === 2)) {
    throw new RangeError(`the model gives ${width} outputs, the map is for ${K} classes`);
  }
  const taken = new Set(innermostLayers(base).map((layer) => layer.name));
  const unique = (name: string) => {
    let candidate = name;
    for (let i = 1; taken.has(candidate); i++) candidate = `${name}_${i}`;
    taken.add(candidate);
    return candidate;
  };
  const added: tf.layers.Layer[] = [];
  const weights: [tf.layers.Layer, number[][], number[] | null][] = [];
  let x = output;
  const append = (layer: tf.layers.Layer) => {
    added.push(layer);
    x = layer.apply(x) as tf.SymbolicTensor;
  };
  if (width === 1) {
    // z -> (0, z): the two-class logits the maps were fitted on.
    const pair = tf.layers.dense({ units: 2, useBias: false, name: unique(APPENDED.pair) });
    append(pair);
    weights.push([pair, [[0, 1]], null]);
  }
  if (form.onLogProbabilities) {
    // A registered TF.js activation (serialised as Keras's `log_softmax`), missing from the
    // ActivationIdentifier type of tfjs 4.22.
    const activation = 'logSoftmax' as Parameters<typeof tf.layers.activation>[0]['activation'];
    append(tf.layers.activation({ activation, name: unique(APPENDED.logProbabilities) }));
  }
  const { weights: W, biases: b } = form;
  const dense = tf.layers.dense({
    units: width === 1 ? 1 : K,
    activation: width === 1 ? 'sigmoid' : 'softmax',
    name: unique(APPENDED.map),
  });
  append(dense);
  if (width === 1) {
    // sigmoid(z'₁ − z'₀) = softmax(z')₁.
    weights.push([dense, [[W[1][0] - W[0][0]], [W[1][1] - W[0][1]]], [b[1] - b[0]]]);
  } else {
    // A Dense kernel is [inputs, units]: the transpose of W.
    const kernel = Array.from({ length: K }, (_, d) =>
      Array.from({ length: K }, (_, k) => W[k][d]),
    );
    weights.push([dense, kernel, b]);
  }
  for (const [layer, kernel, bias] of weights) {
    const tensors = [tf.tensor2d(kernel), ...(bias ? [tf.tensor1d(bias)] : [])];
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  const model = tf.model({ inputs: base.inputs, outputs: x, name: `${base.name}_calibrated` });
  return { model, added };
}

/** Refuses an export folder that is the original model's folder (checked before any training). */
export async function checkExportFolder(folder: string, modelFolder: string): Promise<void> {
  const target = path.resolve(folder);
  const real = async (p: string) => realpath(p).catch(() => p);
  if (target === path.resolve(modelFolder) || (await real(target)) === (await real(modelFolder))) {
    throw new InputError(
      folder,
      'is the original model folder; export the fine-tuned model to another folder so the original stays untouched.',
    );
  }
}

async function readOriginalMetadata(folder: string): Promise<Record<string, unknown>> {
  const text = await readFile(path.join(folder, 'metadata.json'), 'utf8').catch(() => null);
  if (text === null) return {};
  try {
    const json = JSON.parse(text) as unknown;
    return json && typeof json === 'object' && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

async function writeLayersFolder(
  target: string,
  modelJson: Record<string, unknown>,
  weightData: Buffer,
  metadata: Record<string, unknown>,
): Promise<void> {
  await mkdir(target, { recursive: true });
  await writeAtomically(path.join(target, SHARD_FILE), weightData);
  await writeAtomically(
    path.join(target, 'metadata.json'),
    JSON.stringify(metadata, null, 2) + '\n',
  );
  await writeAtomically(path.join(target, 'model.json'), JSON.stringify(modelJson));
}

async function writeAtomically(file: string, data: string | Buffer): Promise<void> {
  const temporary = `${file}.partial`;
  await writeFile(temporary, data);
  await rename(temporary, file);
}
