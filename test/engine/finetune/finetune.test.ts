import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../../src/core';
import { selectBackend } from '../../../src/engine/backend';
import {
  runFinetune,
  type FinetuneProgress,
  type FinetuneRequest,
} from '../../../src/engine/finetune/finetune';
import { CancelledError } from '../../../src/engine/inference';
import { InputError } from '../../../src/engine/input-error';
import { loadModel } from '../../../src/engine/model/load-model';
import { readModelJson } from '../../../src/engine/model/model-json';
import { readWeightShards, checkWeightShards } from '../../../src/engine/model/weight-shards';
import type { FinetuneDocument } from '../../../src/shared/finetune-document';
import { tempDir } from '../../helpers/temp-dir';
import {
  folderFingerprint,
  saveBatchNormModel,
  saveKeras3Model,
  writeBlobsCsv,
  type BlobRow,
} from './fixtures';

let dir: string;
let modelDir: string;
let sigmoidDir: string;
let labelled: string;
let trainCsv: string;
let rows: BlobRow[];
let trainRows: BlobRow[];

beforeAll(async () => {
  expect((await selectBackend('wasm')).name).toBe('wasm');
  dir = await tempDir();
  modelDir = path.join(dir, 'model');
  sigmoidDir = path.join(dir, 'sigmoid');
  await saveBatchNormModel(modelDir);
  await saveBatchNormModel(sigmoidDir, { head: 'sigmoid' });
  labelled = path.join(dir, 'labelled.csv');
  trainCsv = path.join(dir, 'train.csv');
  rows = await writeBlobsCsv(labelled, 400, { seed: 5 });
  trainRows = await writeBlobsCsv(trainCsv, 300, { seed: 6, prefix: 't' });
});

const quick: Partial<FinetuneRequest> = {
  epochs: 2,
  batchSize: 32,
  learningRate: 0.01,
  bootstrapResamples: 50,
};

function request(extra: Partial<FinetuneRequest> = {}): FinetuneRequest {
  return { modelPath: modelDir, dataPath: labelled, ...quick, ...extra };
}

/** The rows' features in the order of `ids`. */
function featuresOf(ids: string[], all: BlobRow[]): Float32Array {
  const byId = new Map(all.map((row) => [row.id, row.features]));
  return Float32Array.from(ids.flatMap((id) => byId.get(id) ?? []));
}

describe('runFinetune: the split', () => {
  let document: FinetuneDocument;

  beforeAll(async () => {
    ({ document } = await runFinetune(request({ alpha: 0.1 })));
  });

  it('splits the labelled set into disjoint parts that cover it, 50 / 25 / 25', () => {
    const { finetune, calibration, evaluation } = document.split;
    expect(document.split.source).toBe('split');
    const all = [...finetune.ids, ...calibration.ids, ...evaluation.ids];
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(new Set(rows.map((r) => r.id)));
    expect(finetune.size).toBe(200);
    expect(calibration.size).toBe(100);
    expect(evaluation.size).toBe(100);
    expect(document.settings.splitFractions).toEqual({
      finetune: 0.5,
      calibration: 0.25,
      evaluation: 0.25,
    });
  });

  it('stratifies: each part holds each class in proportion (within one sample)', () => {
    const total = document.dataset.countsPerClass;
    const parts = document.split;
    for (const [name, fraction] of [
      ['finetune', 0.5],
      ['calibration', 0.25],
      ['evaluation', 0.25],
    ] as const) {
      parts[name].countsPerClass.forEach((count, k) => {
        expect(Math.abs(count - total[k] * fraction), `${name} class ${k}`).toBeLessThanOrEqual(1);
      });
    }
  });

  it('reports every arm and every delta on the evaluation part', () => {
    for (const arm of ['original', 'control', 'smoothed', 'temperature'] as const) {
      const metrics = document.arms[arm].metrics;
      for (const name of METRIC_NAMES)
        expect(metrics[name].value, `${arm} ${name}`).toBeTypeOf('number');
      expect(document.arms[arm].bins).toHaveLength(15);
      expect(document.arms[arm].bins.reduce((s, b) => s + b.count, 0)).toBe(100);
    }
    for (const arm of ['control', 'smoothed', 'temperature'] as const) {
      const accuracy = document.deltas[arm].accuracy;
      expect(accuracy.value).toBeCloseTo(
        document.arms[arm].metrics.accuracy.value - document.arms.original.metrics.accuracy.value,
        12,
      );
      expect(accuracy.ci95[0]).toBeLessThanOrEqual(accuracy.value + 1e-12);
    }
    expect(document.arms.smoothed.alpha).toBe(0.1);
    expect(document.arms.control.alpha).toBe(0);
    expect(document.arms.temperature.temperature).toBeGreaterThan(0);
    expect(document.deltas.temperature.accuracy.value).toBe(0);
    // Every registered calibrator that applies to 3 classes ran as a post-hoc arm (no Platt).
    expect(document.settings.calibrators).toEqual([
      'temperature',
      'vector',
      'matrix',
      'dirichlet',
      'histogram',
      'isotonic',
    ]);
    for (const id of document.settings.calibrators!) {
      const arm = document.arms[id]!;
      expect(arm.calibrator?.id).toBe(id);
      expect(arm.bins.reduce((s, b) => s + b.count, 0)).toBe(100);
      expect(document.deltas[id]!.ece.value).toBeCloseTo(
        arm.metrics.ece.value - document.arms.original.metrics.ece.value,
        12,
      );
    }
    expect(document.arms.platt).toBeUndefined();
    expect(document.best?.nll.arm).toBeDefined();
    expect(document.tradeOffs.join(' ')).toMatch(/Best on NLL: .*; best on ECE: /);
    expect(document.optimumLogitGap.value).toBeCloseTo(Math.log((0.9 + 0.1 / 3) / (0.1 / 3)), 10);
    expect(document.history.map((h) => `${h.arm}:${h.epoch}`)).toEqual([
      'control:1',
      'control:2',
      'smoothed:1',
      'smoothed:2',
    ]);
    expect(document.tradeOffs.length).toBeGreaterThan(3);
    expect(document.settings.frozenBatchNormLayers).toEqual(['norm']);
    expect(document.exportedModel).toBeNull();
  });

  it('with a separate fine-tuning set, splits the labelled set into calibration and evaluation only', async () => {
    const { document: separate } = await runFinetune(
      request({ trainDataPath: trainCsv, epochs: 1 }),
    );
    expect(separate.split.source).toBe('separate');
    expect(separate.split.finetune.ids).toEqual(trainRows.map((r) => r.id));
    const cal = separate.split.calibration.ids;
    const evaluation = separate.split.evaluation.ids;
    expect(new Set([...cal, ...evaluation]).size).toBe(400);
    expect(new Set([...cal, ...evaluation])).toEqual(new Set(rows.map((r) => r.id)));
    // Half each, up to the rounding of each class's share.
    expect(Math.abs(cal.length - 200)).toBeLessThanOrEqual(3);
    expect(cal.length + evaluation.length).toBe(400);
    expect(separate.trainDataset?.sampleCount).toBe(300);
    expect(separate.provenance.trainDatasetFingerprint).toMatch(/^[0-9a-f]{64}$/);
    separate.split.calibration.countsPerClass.forEach((count, k) =>
      expect(Math.abs(count - separate.dataset.countsPerClass[k] / 2)).toBeLessThanOrEqual(1),
    );
  });

  it('refuses a fine-tuning set that is the labelled set itself', async () => {
    const error = await runFinetune(request({ trainDataPath: labelled })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).file).toBe(labelled);
  });
});

describe('runFinetune: cancel, memory, sweep', () => {
  it('stops within a second of Cancel, leaves the model files untouched and no tensor behind', async () => {
    const fingerprint = await folderFingerprint(modelDir);
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let abortedAt = 0;
    const error = await runFinetune(
      request({ epochs: 50, batchSize: 8, exportPath: path.join(dir, 'never') }),
      {
        signal: controller.signal,
        onProgress: (p: FinetuneProgress) => {
          if (p.phase === 'training' && p.epoch === 2 && abortedAt === 0) {
            abortedAt = performance.now();
            controller.abort();
          }
        },
      },
    ).catch((e: unknown) => e);
    const stoppedAfter = performance.now() - abortedAt;
    expect(error).toBeInstanceOf(CancelledError);
    expect(abortedAt).toBeGreaterThan(0);
    expect(stoppedAfter).toBeLessThan(1000);
    expect(await folderFingerprint(modelDir)).toBe(fingerprint);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves no tensor behind after a full run', async () => {
    const before = tf.memory().numTensors;
    await runFinetune(request({ epochs: 1 }));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('sweeps a list of alphas and picks the one with the lowest calibration NLL', async () => {
    const { document } = await runFinetune(request({ alpha: [0, 0.05, 0.3], epochs: 1 }));
    expect(document.sweep?.map((e) => e.alpha)).toEqual([0, 0.05, 0.3]);
    const chosen = document.sweep?.filter((e) => e.chosen) ?? [];
    expect(chosen).toHaveLength(1);
    const best = Math.min(...(document.sweep ?? []).map((e) => e.calibration.nll));
    expect(chosen[0].calibration.nll).toBe(best);
    expect(document.alpha).toBe(chosen[0].alpha);
    expect(document.settings.alphaSelection).toBe('lowest calibration NLL');
    // α = 0 is the control run, trained once.
    expect(document.history.filter((h) => h.arm === 'control')).toHaveLength(1);
    expect(document.history).toHaveLength(chosen[0].alpha === 0 ? 4 : 3);
  });
});

describe('runFinetune: export', () => {
  it('exports a model that tf.loadLayersModel and loadModel reload with the same predictions', async () => {
    const out = path.join(dir, 'exported');
    const result = await runFinetune(request({ alpha: 0.2, exportPath: out }));
    expect(result.document.exportedModel).toBe(out);
    const ids = result.evaluation.ids;
    const x = featuresOf(ids, rows);
    const expected = result.evaluation.arms.smoothed.probs;

    const reloaded = await loadModel(out);
    expect(reloaded.info.output).toBe('softmax');
    expect(reloaded.info.classNames).toEqual(['a', 'b', 'c']);
    const scores = await reloaded.predict(x, ids.length);
    reloaded.dispose();
    for (let i = 0; i < expected.length; i++) {
      expect(Math.abs(scores.probs[i] - expected[i])).toBeLessThan(1e-5);
    }

    // A plain tf.loadLayersModel gives probabilities: the softmax head is back.
    const json = await readModelJson(out);
    const shards = await checkWeightShards(json);
    const plain = await tf.loadLayersModel({
      load: () => tf.io.getModelArtifactsForJSON(json.json, () => readWeightShards(json, shards)),
    });
    const probs = tf.tidy(() =>
      (plain.predict(tf.tensor2d(x, [ids.length, 4])) as tf.Tensor).dataSync(),
    );
    plain.dispose();
    for (let i = 0; i < expected.length; i++) {
      expect(Math.abs(probs[i] - expected[i])).toBeLessThan(1e-5);
    }

    const topology = JSON.stringify(json.json.modelTopology);
    expect(topology).toContain('"activation":"softmax"');
    const metadata = JSON.parse(await readFile(path.join(out, 'metadata.json'), 'utf8'));
    expect(metadata.classNames).toEqual(['a', 'b', 'c']);
    expect(metadata.finetune).toMatchObject({ alpha: 0.2, epochs: 2, layers: 'head' });
    expect(metadata.finetune.baseModelFingerprint).toBe(result.document.model.fingerprint);
  });

  it('keeps frozen BatchNormalization statistics in the exported weights', async () => {
    const out = path.join(dir, 'exported-bn');
    await runFinetune(request({ exportPath: out }));
    const weights = async (folder: string) => {
      const json = await readModelJson(folder);
      const shards = await checkWeightShards(json);
      const [specs, buffer] = await readWeightShards(json, shards);
      const tensors = tf.io.decodeWeights(buffer, specs);
      const values = Object.fromEntries(
        Object.entries(tensors).map(([name, t]) => [name, Array.from(t.dataSync())]),
      );
      tf.dispose(Object.values(tensors));
      return values;
    };
    const original = await weights(modelDir);
    const exported = await weights(out);
    for (const name of ['norm/moving_mean', 'norm/moving_variance', 'norm/gamma', 'norm/beta']) {
      expect(exported[name], name).toEqual(original[name]);
    }
    expect(exported['head/kernel']).not.toEqual(original['head/kernel']);
  });

  it('exports a sigmoid model with its sigmoid head restored', async () => {
    const out = path.join(dir, 'exported-sigmoid');
    const binaryCsv = path.join(dir, 'binary.csv');
    const binary = await writeBlobsCsv(binaryCsv, 200, {
      seed: 9,
      weights: [0.5, 0.5, 0],
      names: ['no', 'yes'],
    });
    const result = await runFinetune({
      ...quick,
      modelPath: sigmoidDir,
      dataPath: binaryCsv,
      exportPath: out,
    });
    expect(result.document.settings.loss).toBe('sigmoid-cross-entropy');
    expect(result.document.arms.original.metrics.accuracy.value).toBeGreaterThanOrEqual(0);
    const reloaded = await loadModel(out);
    expect(reloaded.info.output).toBe('sigmoid');
    const ids = result.evaluation.ids;
    const scores = await reloaded.predict(featuresOf(ids, binary), ids.length);
    reloaded.dispose();
    const expected = result.evaluation.arms.smoothed.probs;
    for (let i = 0; i < expected.length; i++) {
      expect(Math.abs(scores.probs[i] - expected[i])).toBeLessThan(1e-5);
    }
  });

  it('exports a functional Keras 3 model in a form tf.loadLayersModel reads', async () => {
    const keras3 = path.join(dir, 'keras3');
    await saveKeras3Model(keras3);
    const out = path.join(dir, 'exported-keras3');
    const result = await runFinetune({
      ...quick,
      modelPath: keras3,
      dataPath: labelled,
      exportPath: out,
    });
    const ids = result.evaluation.ids;
    const x = featuresOf(ids, rows);
    const json = await readModelJson(out);
    const shards = await checkWeightShards(json);
    const plain = await tf.loadLayersModel({
      load: () => tf.io.getModelArtifactsForJSON(json.json, () => readWeightShards(json, shards)),
    });
    const probs = tf.tidy(() =>
      (plain.predict(tf.tensor2d(x, [ids.length, 4])) as tf.Tensor).dataSync(),
    );
    plain.dispose();
    const expected = result.evaluation.arms.smoothed.probs;
    for (let i = 0; i < expected.length; i++) {
      expect(Math.abs(probs[i] - expected[i])).toBeLessThan(1e-5);
    }
  });

  it('refuses to export into the original model folder', async () => {
    const fingerprint = await folderFingerprint(modelDir);
    const error = await runFinetune(request({ epochs: 1, exportPath: modelDir })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/original model folder/);
    expect(await folderFingerprint(modelDir)).toBe(fingerprint);
  });
});
