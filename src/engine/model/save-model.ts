import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

const SHARD_FILE = 'group1-shard1of1.bin';

/**
 * Writes a Layers model as TF.js does (`model.json` + one weight shard) with a `metadata.json`
 * holding the class names and anything else given. Files are written beside and renamed into
 * place, so an interrupted save never leaves a half-written model.json.
 */
export async function saveLayersModel(
  model: tf.LayersModel,
  folder: string,
  metadata: Record<string, unknown>,
): Promise<void> {
  await mkdir(folder, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData
        ? Buffer.from(
            tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]),
          )
        : Buffer.alloc(0);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${SHARD_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeAtomically(path.join(folder, SHARD_FILE), weightData);
      await writeAtomically(
        path.join(folder, 'metadata.json'),
        JSON.stringify(metadata, null, 2) + '\n',
      );
      await writeAtomically(path.join(folder, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

async function writeAtomically(file: string, data: string | Buffer): Promise<void> {
  const temporary = `${file}.partial`;
  await writeFile(temporary, data);
  await rename(temporary, file);
}
