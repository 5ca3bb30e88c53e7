import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditPredictions } from '../../../src/core';
import { selectBackend } from '../../../src/engine/backend';
import { runFinetune, type FinetuneResult } from '../../../src/engine/finetune/finetune';
import { readAllSamples } from '../../../src/engine/finetune/samples';
import { loadModel } from '../../../src/engine/model/load-model';
import { openTestSetFor } from '../../../src/engine/open-test-set';
import { tempDir } from '../../helpers/temp-dir';
import { saveBatchNormModel, writeBlobsCsv } from './fixtures';

/**
 * A real fine-tune of the committed tf.keras CNN (test/fixtures/models, made by
 * scripts/make-model-fixtures.py) on 200 real Fashion-MNIST images, every post-hoc arm exported,
 * each export reloaded through the app's own loader and audited on the evaluation part.
 *
 * Tolerance: float32. The arm's numbers come from its map applied in float64 to the original's
 * float32 logits (stored as float32); the export computes the same map in tfjs, in float32
 * (Dense kernel and bias rounded to float32, a K-term sum per logit). Logits then agree to a few
 * float32 ulps (~1e-6 relative), so NLL and ECE agree to 1e-5 and accuracy exactly (no
 * evaluation sample is within 1e-5 of a tie; checked by the probabilities agreeing to 1e-5).
 */
const MODEL = path.resolve(__dirname, '../../fixtures/models/tfkeras-cnn.h5');
const FASHION_200 = path.resolve(__dirname, '../../fixtures/models/fashion-200');
const OPTIONS = { bins: 15, bootstrapResamples: 20, seed: 0 };
let dir: string;
let result: FinetuneResult;
let evalX: Float32Array;

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await tempDir();
  result = await runFinetune({
    modelPath: MODEL,
    dataPath: FASHION_200,
    epochs: 1,
    batchSize: 32,
    ...OPTIONS,
    bootstrapResamples: OPTIONS.bootstrapResamples,
    exportArmsPath: path.join(dir, 'arms'),
  });
  const original = await loadModel(MODEL);
  try {
    const { dataset } = await openTestSetFor(original, FASHION_200);
    const all = await readAllSamples(dataset, original.info.inputShape);
    const size = 28 * 28;
    const rowOf = new Map(all.ids.map((id, i) => [id, i]));
    const ids = result.evaluation.ids;
    evalX = new Float32Array(ids.length * size);
    ids.forEach((id, i) => {
      const row = rowOf.get(id)!;
      evalX.set(all.x.subarray(row * size, (row + 1) * size), i * size);
    });
  } finally {
    original.dispose();
  }
}, 120_000);

async function auditExport(arm: string) {
  const reloaded = await loadModel(path.join(dir, 'arms', arm));
  try {
    const n = result.evaluation.ids.length;
    const scores = await reloaded.predict(evalX, n);
    const report = auditPredictions(
      {
        numClasses: 10,
        labels: result.evaluation.labels,
        probs: scores.probs,
        logits: scores.logits,
      },
      OPTIONS,
    );
    return { info: reloaded.info, scores, report };
  } finally {
    reloaded.dispose();
  }
}

describe('exporting a post-hoc arm of a real fine-tune (tf.keras CNN, Fashion-MNIST)', () => {
  for (const arm of ['temperature', 'vector', 'matrix', 'dirichlet'] as const) {
    it(`${arm}: the export reloads in the app and reproduces the arm's evaluation-part numbers`, async () => {
      const expected = result.document.arms[arm]!;
      const { info, scores, report } = await auditExport(arm);
      expect(info.output).toBe('softmax');
      const want = result.evaluation.arms[arm]!.probs;
      let worst = 0;
      for (let i = 0; i < want.length; i++)
        worst = Math.max(worst, Math.abs(scores.probs[i] - want[i]));
      expect(worst).toBeLessThan(1e-5);
      expect(report.metrics.accuracy.value).toBe(expected.metrics.accuracy.value);
      expect(Math.abs(report.metrics.nll.value - expected.metrics.nll.value)).toBeLessThan(1e-5);
      expect(Math.abs(report.metrics.ece.value - expected.metrics.ece.value)).toBeLessThan(1e-5);
      // The arm differs from the original, so the test would see a missing map.
      const original = result.document.arms.original.metrics.nll.value;
      expect(Math.abs(original - expected.metrics.nll.value)).toBeGreaterThan(1e-3);
    });
  }

  it('the Dirichlet export is the original with logSoftmax and a Dense softmax appended, loadable by plain tfjs', async () => {
    const folder = path.join(dir, 'arms', 'dirichlet');
    const json = JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8'));
    const text = JSON.stringify(json.modelTopology);
    expect(text).toContain('"name":"calibration_log_probabilities"');
    expect(text).toContain('"activation":"log_softmax"');
    expect(text).toContain('"name":"calibration_map"');
    // The original's layers keep their file's trainable flags (the fine-tune's selection froze
    // all but the head on the loaded copy).
    expect(text).not.toContain('"trainable":false');
    const metadata = JSON.parse(await readFile(path.join(folder, 'metadata.json'), 'utf8'));
    expect(metadata.calibration.arm).toBe('dirichlet');
    expect(metadata.calibration.appliedAs).toBe('layers');
    expect(metadata.calibration.parameters).toEqual(
      result.document.arms.dirichlet!.calibrator!.parameters,
    );
    const weights = await readFile(path.join(folder, json.weightsManifest[0].paths[0]));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: new Uint8Array(weights).buffer,
      }),
    );
    try {
      const n = result.evaluation.ids.length;
      const y = tf.tidy(() => model.predict(tf.tensor4d(evalX, [n, 28, 28, 1])) as tf.Tensor);
      const probs = await y.data();
      y.dispose();
      const want = result.evaluation.arms.dirichlet!.probs;
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(probs[i] - want[i]));
      expect(worst).toBeLessThan(1e-5);
    } finally {
      model.dispose();
    }
  });

  for (const arm of ['histogram', 'isotonic'] as const) {
    it(`${arm}: the original model and calibration-map.json, applied by the app on reload`, async () => {
      const folder = path.join(dir, 'arms', arm);
      const map = JSON.parse(await readFile(path.join(folder, 'calibration-map.json'), 'utf8'));
      expect(map.calibrator).toBe(arm);
      expect(map.parameters).toEqual(result.document.arms[arm]!.calibrator!.parameters);
      const expected = result.document.arms[arm]!;
      const { info, scores, report } = await auditExport(arm);
      expect(info.notTrainable).toContain('calibration-map.json');
      const want = result.evaluation.arms[arm]!.probs;
      let worst = 0;
      for (let i = 0; i < want.length; i++)
        worst = Math.max(worst, Math.abs(scores.probs[i] - want[i]));
      expect(worst).toBeLessThan(1e-6);
      expect(report.metrics.accuracy.value).toBe(expected.metrics.accuracy.value);
      expect(Math.abs(report.metrics.ece.value - expected.metrics.ece.value)).toBeLessThan(1e-6);
    });
  }
});

describe('exporting a post-hoc arm of a model with one sigmoid unit', () => {
  it('writes the chosen arm (--export-arm) with the sigmoid head restored; every scaling arm reproduces its probabilities', async () => {
    const sigmoidDir = path.join(dir, 'sigmoid');
    await saveBatchNormModel(sigmoidDir, { head: 'sigmoid' });
    const binaryCsv = path.join(dir, 'binary.csv');
    const binary = await writeBlobsCsv(binaryCsv, 240, {
      seed: 9,
      weights: [0.5, 0.5, 0],
      names: ['no', 'yes'],
    });
    const out = path.join(dir, 'platt');
    const run = await runFinetune({
      modelPath: sigmoidDir,
      dataPath: binaryCsv,
      epochs: 1,
      batchSize: 32,
      bootstrapResamples: 0,
      exportPath: out,
      exportArm: 'platt',
      exportArmsPath: path.join(dir, 'sigmoid-arms'),
    });
    expect(run.document.exportedModel).toBe(out);
    expect(run.document.exportedArm).toBe('platt');
    const ids = run.evaluation.ids;
    const byId = new Map(binary.map((row) => [row.id, row.features]));
    const x = Float32Array.from(ids.flatMap((id) => byId.get(id)!));
    const folders: [string, 'platt' | 'temperature' | 'vector' | 'matrix' | 'dirichlet'][] = [
      [out, 'platt'],
      ...(['temperature', 'vector', 'matrix', 'dirichlet'] as const).map(
        (arm) => [path.join(dir, 'sigmoid-arms', arm), arm] as [string, typeof arm],
      ),
    ];
    for (const [folder, arm] of folders) {
      const reloaded = await loadModel(folder);
      try {
        expect(reloaded.info.output, arm).toBe('sigmoid');
        const scores = await reloaded.predict(x, ids.length);
        const want = run.evaluation.arms[arm]!.probs;
        let worst = 0;
        for (let i = 0; i < want.length; i++)
          worst = Math.max(worst, Math.abs(scores.probs[i] - want[i]));
        expect(worst, arm).toBeLessThan(1e-5);
      } finally {
        reloaded.dispose();
      }
    }
  }, 60_000);

  it('refuses to export an arm that does not apply (Platt on 10 classes) before training', async () => {
    await expect(
      runFinetune({
        modelPath: MODEL,
        dataPath: FASHION_200,
        epochs: 1,
        bootstrapResamples: 0,
        exportPath: path.join(dir, 'no-platt'),
        exportArm: 'platt',
      }),
    ).rejects.toThrow(/Platt/i);
  });
});
