import { mkdir, readFile, realpath, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../input-error';
import type { TrainableCapability } from '../model/loaded-model';

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

  await mkdir(target, { recursive: true });
  await writeAtomically(path.join(target, SHARD_FILE), weightData);
  await writeAtomically(
    path.join(target, 'metadata.json'),
    JSON.stringify({ ...baseMetadata, ...metadata }, null, 2) + '\n',
  );
  await writeAtomically(path.join(target, 'model.json'), JSON.stringify(modelJson));
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

async function writeAtomically(file: string, data: string | Buffer): Promise<void> {
  const temporary = `${file}.partial`;
  await writeFile(temporary, data);
  await rename(temporary, file);
}
