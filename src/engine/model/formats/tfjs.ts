import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../input-error';
import { toClassScores } from '../class-scores';
import { describeTfjsLoadError, openLayersModel } from '../layers-model';
import type { LoadedModel, ModelInfo } from '../loaded-model';
import { readModelMetadata, withClassNames } from '../model-metadata';
import type { ModelLoader, ModelLocation, ModelMatch, ModelOpenOptions } from '../model-loader';
import { NOT_MODEL_JSON, readModelJson, type ModelJsonFile } from '../model-json';
import { probeOutput, readInputShape, runBatch } from '../tfjs-run';
import { checkWeightShards, readWeightShards } from '../weight-shards';

/**
 * TF.js: a folder with `model.json` (or one `NAME.json` holding a `modelTopology`) and its weight
 * shards, Layers or graph format. Every shard is checked before any is read.
 */
export const tfjsLoader: ModelLoader = {
  name: 'TF.js',
  async match(location: ModelLocation): Promise<ModelMatch | null> {
    if (location.isDirectory) {
      if (location.entries.includes('model.json')) {
        return { format: 'layers', file: path.join(location.path, 'model.json') };
      }
      for (const name of location.entries) {
        if (!name.endsWith('.json') || name.startsWith('.') || NOT_MODEL_JSON.has(name)) continue;
        const text = await readFile(path.join(location.path, name), 'utf8').catch(() => '');
        if (text.includes('"modelTopology"')) return { format: 'layers', file: location.path };
      }
      return null;
    }
    // A JSON file: the first non-blank byte is '{'. Whether it is a TF.js model, open() says.
    const first = location.head.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    return first === 0x7b ? { format: 'layers', file: location.path } : null;
  },
  async open(location, match, options) {
    return openTfjsModel(match.file === location.path ? location.given : match.file, options);
  },
};

async function openTfjsModel(location: string, options: ModelOpenOptions): Promise<LoadedModel> {
  const modelJson = await readModelJson(location);
  const shards = await checkWeightShards(modelJson);
  const metadata = withClassNames(await readModelMetadata(modelJson.folder), options.classNames);
  // The shards are read once: for the fingerprint and for tfjs.
  const weights = await readWeightShards(modelJson, shards);
  const fingerprint = createHash('sha256')
    .update(modelJson.bytes)
    .update(new Uint8Array(weights[1]))
    .digest('hex');
  const name = modelName(modelJson);
  if (modelJson.format === 'layers') {
    return openLayersModel({
      file: modelJson.file,
      folder: modelJson.folder,
      name,
      format: 'layers',
      fingerprint,
      metadata,
      topology: modelJson.json.modelTopology as Record<string, unknown>,
      weights: { specs: weights[0], data: weights[1] },
      weightFiles: shards.map((s) => s.file),
      generatedBy: modelJson.json.generatedBy ?? null,
      convertedBy: modelJson.json.convertedBy ?? null,
    });
  }

  let model: tf.GraphModel;
  try {
    model = await tf.loadGraphModel({
      load: () => tf.io.getModelArtifactsForJSON(modelJson.json, async () => weights),
    });
  } catch (error) {
    throw describeTfjsLoadError(modelJson.file, error);
  }
  try {
    const inputShape = readInputShape(modelJson.file, model);
    const run = (x: Float32Array, count: number) => runBatch(model, x, count, inputShape);
    const { kind, numClasses } = await probeOutput(modelJson.file, run, inputShape, null);
    if (metadata.classNames && metadata.classNames.length !== numClasses) {
      throw new InputError(
        path.join(modelJson.folder, metadata.classNamesSource?.split(' ')[0] ?? 'metadata.json'),
        `lists ${metadata.classNames.length} class names but the model has ${numClasses} classes.`,
      );
    }
    const info: ModelInfo = {
      file: modelJson.file,
      name: metadata.displayName ?? name,
      format: 'graph',
      inputShape,
      numClasses,
      classNames: metadata.classNames,
      classNamesSource: metadata.classNamesSource,
      parameters: countGraphParameters(modelJson),
      fingerprint,
      output: kind,
      preprocessing: { scaling: metadata.scaling, crop: metadata.crop },
      weightFiles: shards.map((s) => s.file),
      notTrainable:
        'is a TF.js graph model, which cannot be trained; fine-tuning needs a TF.js Layers model (format layers-model).',
    };
    return {
      info,
      predict: async (x, count) => toClassScores(await run(x, count), count, kind),
      dispose: () => model.dispose(),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function countGraphParameters(modelJson: ModelJsonFile): number {
  const specs = (modelJson.json.weightsManifest as tf.io.WeightsManifestConfig).flatMap(
    (g) => g.weights,
  );
  return specs.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
}

function modelName(modelJson: ModelJsonFile): string {
  const base = path.basename(modelJson.file, '.json');
  return base === 'model' ? path.basename(modelJson.folder) : base;
}
