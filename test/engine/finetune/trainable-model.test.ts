import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/engine/backend';
import { CancelledError } from '../../../src/engine/inference';
import type { SampleArrays } from '../../../src/engine/finetune/samples';
import {
  innermostLayers,
  parseLayerSelection,
  prepareTrainableModel,
} from '../../../src/engine/finetune/trainable-model';
import { trainModel } from '../../../src/engine/finetune/training-loop';
import { loadModel } from '../../../src/engine/model/load-model';
import { tempDir } from '../../helpers/temp-dir';
import { layerWeights, random, saveBatchNormModel } from './fixtures';

let folder: string;
let data: SampleArrays;

beforeAll(async () => {
  expect((await selectBackend('wasm')).name).toBe('wasm');
  folder = path.join(await tempDir(), 'bn');
  await saveBatchNormModel(folder);
  // Inputs far from the statistics stored in the model, so batch statistics differ from them.
  const next = random(11);
  const n = 200;
  const x = Float32Array.from({ length: n * 4 }, () => 3 + 2 * next());
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  data = {
    info: {
      path: 'memory',
      format: 'csv',
      sampleCount: n,
      countsPerClass: [67, 67, 66],
      fingerprint: '',
      skipped: [],
    },
    ids: Array.from({ length: n }, (_, i) => `row:${i + 1}`),
    labels,
    x,
    sampleSize: 4,
  };
});

async function train(layers: string, epochs = 2, signal?: AbortSignal) {
  const loaded = await loadModel(folder);
  const model = loaded.trainable!.model;
  const before = {
    features: layerWeights(model, 'features'),
    norm: layerWeights(model, 'norm'),
    head: layerWeights(model, 'head'),
  };
  const trainable = prepareTrainableModel(model, parseLayerSelection(layers));
  const history = await trainModel({
    trainable,
    head: 'softmax',
    inputShape: [4],
    data,
    rows: Int32Array.from({ length: 200 }, (_, i) => i),
    alpha: 0.1,
    epochs,
    batchSize: 16,
    learningRate: 0.01,
    seed: 1,
    signal,
  });
  trainable.release();
  const after = {
    features: layerWeights(model, 'features'),
    norm: layerWeights(model, 'norm'),
    head: layerWeights(model, 'head'),
  };
  loaded.dispose();
  return { before, after, history, trainable };
}

describe('layer selection', () => {
  it('parses head, all and last:N and refuses anything else', () => {
    expect(parseLayerSelection('head')).toEqual({ kind: 'head' });
    expect(parseLayerSelection('all')).toEqual({ kind: 'all' });
    expect(parseLayerSelection('last:2')).toEqual({ kind: 'last', count: 2 });
    for (const bad of ['last:0', 'last:', 'tail', 'last:-1']) {
      expect(() => parseLayerSelection(bad)).toThrow(RangeError);
    }
  });

  it('selects the last layers with weights, counting BatchNormalization as one', async () => {
    const loaded = await loadModel(folder);
    const model = loaded.trainable!.model;
    expect(innermostLayers(model).map((l) => l.name)).toEqual(['features', 'norm', 'relu', 'head']);
    const head = prepareTrainableModel(model, { kind: 'head' });
    expect(head.trainableLayers).toEqual(['head']);
    expect(head.trainableParameters).toBe(8 * 3 + 3);
    expect(head.frozenBatchNormLayers).toEqual(['norm']);
    expect(head.inferenceModeLayers).toEqual(['features', 'norm', 'relu']);
    head.release();
    const two = prepareTrainableModel(model, { kind: 'last', count: 2 });
    expect(two.trainableLayers).toEqual(['norm', 'head']);
    expect(two.frozenBatchNormLayers).toEqual([]);
    two.release();
    const all = prepareTrainableModel(model, { kind: 'last', count: 99 });
    expect(all.trainableLayers).toEqual(['features', 'norm', 'head']);
    expect(all.trainableParameters).toBe(4 * 8 + 8 + 8 + 8 + 27);
    all.release();
    loaded.dispose();
  });
});

describe('frozen BatchNormalization', () => {
  it('TF.js itself would move the statistics of a non-trainable BatchNormalization layer', async () => {
    // The problem the patch solves: training = true updates moving mean/variance even when the
    // layer is frozen (unlike Keras 2+).
    const loaded = await loadModel(folder);
    const model = loaded.trainable!.model;
    model.getLayer('norm').trainable = false;
    const before = layerWeights(model, 'norm');
    tf.tidy(() => {
      model.apply(tf.tensor2d(data.x.subarray(0, 64), [16, 4]), { training: true });
    });
    const after = layerWeights(model, 'norm');
    expect(after[2]).not.toEqual(before[2]);
    loaded.dispose();
  });

  it('keeps moving mean and variance (and every frozen weight) unchanged when the head trains', async () => {
    const { before, after, history } = await train('head');
    expect(history).toHaveLength(2);
    expect(after.norm).toEqual(before.norm); // gamma, beta, moving mean, moving variance
    expect(after.features).toEqual(before.features);
    expect(after.head[0]).not.toEqual(before.head[0]);
  });

  it('trains a BatchNormalization layer that is selected, statistics included (as Keras does)', async () => {
    const { before, after } = await train('all', 1);
    expect(after.norm[2]).not.toEqual(before.norm[2]);
    expect(after.norm[3]).not.toEqual(before.norm[3]);
    expect(after.features[0]).not.toEqual(before.features[0]);
  });
});

describe('training loop', () => {
  it('disposes every intermediate tensor', async () => {
    const loaded = await loadModel(folder);
    const before = tf.memory().numTensors;
    const trainable = prepareTrainableModel(loaded.trainable!.model, { kind: 'all' });
    await trainModel({
      trainable,
      head: 'softmax',
      inputShape: [4],
      data,
      rows: Int32Array.from({ length: 200 }, (_, i) => i),
      alpha: 0.2,
      epochs: 2,
      batchSize: 32,
      learningRate: 0.001,
      seed: 0,
    });
    trainable.release();
    expect(tf.memory().numTensors).toBe(before);
    loaded.dispose();
  });

  it('reports loss and training accuracy per epoch, and the same seed gives the same run', async () => {
    const a = await train('head', 3);
    const b = await train('head', 3);
    expect(a.history.map((h) => h.loss)).toEqual(b.history.map((h) => h.loss));
    expect(a.after.head).toEqual(b.after.head);
    for (const epoch of a.history) {
      expect(epoch.loss).toBeGreaterThan(0);
      expect(epoch.accuracy).toBeGreaterThanOrEqual(0);
      expect(epoch.accuracy).toBeLessThanOrEqual(1);
      expect(epoch.seconds).toBeGreaterThanOrEqual(0);
    }
  });

  it('stops with CancelledError once the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(train('head', 1, controller.signal)).rejects.toBeInstanceOf(CancelledError);
  });
});
