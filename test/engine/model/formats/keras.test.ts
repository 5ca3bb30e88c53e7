import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../../../src/engine/audit';
import { runFinetune } from '../../../../src/engine/finetune/finetune';
import { readAllSamples } from '../../../../src/engine/finetune/samples';
import { openTestSetFor } from '../../../../src/engine/open-test-set';
import { selectBackend } from '../../../../src/engine/backend';
import { InputError } from '../../../../src/engine/input-error';
import { loadModel } from '../../../../src/engine/model/load-model';
import {
  expectedFor,
  FASHION_200,
  maxDifference,
  MODEL_FIXTURES,
} from '../../../helpers/model-fixtures';
import { tempDir } from '../../../helpers/temp-dir';

let dir: string;

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await tempDir();
});

async function failure(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe.each([
  ['keras3-cnn.keras', 'keras'],
  ['keras3-cnn.h5', 'keras-h5'],
  ['tfkeras-cnn.h5', 'keras-h5'],
  ['keras3-nested.keras', 'keras'],
  ['keras3-layers.keras', 'keras'],
  ['keras3-layers.h5', 'keras-h5'],
])('%s', (name, format) => {
  it("audits with Keras's own probabilities, accuracy and ECE", async () => {
    const expected = expectedFor(name);
    const { document, samples } = await runAudit({
      modelPath: path.join(MODEL_FIXTURES, name),
      dataPath: FASHION_200,
      bootstrapResamples: 20,
    });
    expect(document.model!.format).toBe(format);
    expect(document.model!.output).toBe('softmax');
    expect(samples.probs.length).toBe(200 * 10);
    const difference = maxDifference(samples.probs, expected.probs);
    expect(difference).toBeLessThan(1e-4);
    expect(Math.abs(document.metrics.accuracy.value - expected.accuracy)).toBeLessThan(1e-3);
    expect(Math.abs(document.metrics.ece.value - expected.ece)).toBeLessThan(1e-3);
  });
});

describe.each(['keras3-cnn.keras', 'tfkeras-cnn.h5'])('%s fine-tuned', (name) => {
  it('fine-tunes with label smoothing, exports a TF.js folder and reloads with the same predictions', async () => {
    const out = path.join(dir, `${name}-finetuned`);
    const result = await runFinetune({
      modelPath: path.join(MODEL_FIXTURES, name),
      dataPath: FASHION_200,
      alpha: 0.1,
      epochs: 1,
      batchSize: 32,
      learningRate: 0.005,
      bootstrapResamples: 20,
      exportPath: out,
    });
    expect(result.document.settings.loss).toBe('softmax-cross-entropy');
    expect(result.document.arms.temperature.temperature).toBeGreaterThan(0);
    const reloaded = await loadModel(out);
    try {
      expect(reloaded.info.format).toBe('layers');
      expect(reloaded.info.output).toBe('softmax');
      const { dataset } = await openTestSetFor(reloaded, FASHION_200);
      const all = await readAllSamples(dataset, reloaded.info.inputShape);
      const rowOf = new Map(all.ids.map((id, i) => [id, i]));
      const ids = result.evaluation.ids;
      const x = new Float32Array(ids.length * 784);
      ids.forEach((id, i) => {
        const row = rowOf.get(id)!;
        x.set(all.x.subarray(row * 784, (row + 1) * 784), i * 784);
      });
      const scores = await reloaded.predict(x, ids.length);
      const smoothed = result.evaluation.arms.smoothed.probs;
      let max = 0;
      for (let i = 0; i < smoothed.length; i++)
        max = Math.max(max, Math.abs(scores.probs[i] - smoothed[i]));
      expect(max).toBeLessThan(1e-5);
      const original = result.evaluation.arms.original.probs;
      expect(original.some((p, i) => Math.abs(p - smoothed[i]) > 1e-4)).toBe(true);
    } finally {
      reloaded.dispose();
    }
  });
});

describe('Keras files: class names and problems', () => {
  it('reads class names from labels.txt beside the file, or --classes', async () => {
    const folder = path.join(dir, 'named');
    await mkdir(folder, { recursive: true });
    const file = path.join(folder, 'model.keras');
    await copyFile(path.join(MODEL_FIXTURES, 'keras3-cnn.keras'), file);
    const names = [
      'tee',
      'trouser',
      'pullover',
      'dress',
      'coat',
      'sandal',
      'shirt',
      'sneaker',
      'bag',
      'boot',
    ];
    await writeFile(path.join(folder, 'labels.txt'), names.join('\n') + '\n');
    const model = await loadModel(file);
    expect(model.info.classNames).toEqual(names);
    expect(model.info.classNamesSource).toBe('labels.txt');
    expect(model.trainable).toBeDefined();
    model.dispose();
    // A folder holding one .keras file opens it.
    const fromFolder = await loadModel(folder, { classNames: names.map((n) => n.toUpperCase()) });
    expect(fromFolder.info.file).toBe(file);
    expect(fromFolder.info.classNames?.[0]).toBe('TEE');
    fromFolder.dispose();
  });

  it('names an unsupported layer and the file', async () => {
    const config = {
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          { class_name: 'InputLayer', config: { batch_shape: [null, 4], name: 'in' } },
          { class_name: 'MyFancyLayer', config: { name: 'fancy' } },
        ],
      },
    };
    const file = path.join(dir, 'custom.keras');
    const real = unzipSync(await readFile(path.join(MODEL_FIXTURES, 'keras3-cnn.keras')));
    await writeFile(
      file,
      zipSync({
        'config.json': new TextEncoder().encode(JSON.stringify(config)),
        'model.weights.h5': real['model.weights.h5'],
      }),
    );
    const error = await failure(loadModel(file));
    expect(error.file).toBe(file);
    expect(error.problem).toMatch(/'MyFancyLayer', which TF\.js Layers does not have/);
  });

  it('refuses a subclassed model and a zip without config.json, in words', async () => {
    const sub = path.join(dir, 'sub.keras');
    await writeFile(
      sub,
      zipSync({
        'config.json': new TextEncoder().encode('{"class_name": "MyModel", "config": {}}'),
        'model.weights.h5': new Uint8Array(8),
      }),
    );
    expect((await failure(loadModel(sub))).problem).toMatch(
      /'MyModel' model; only Sequential and Functional/,
    );
    const other = path.join(dir, 'other.keras');
    await writeFile(other, zipSync({ 'readme.txt': new TextEncoder().encode('hi') }));
    expect((await failure(loadModel(other))).problem).toMatch(/zip archive without config\.json/);
  });
});

describe('damaged Keras files', () => {
  it('names a truncated .h5 in one line, without HDF5 error stacks', async () => {
    const file = path.join(dir, 'truncated.h5');
    const bytes = await readFile(path.join(MODEL_FIXTURES, 'tfkeras-cnn.h5'));
    await writeFile(file, bytes.subarray(0, 2000));
    const error = await failure(loadModel(file));
    expect(error.file).toBe(file);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.problem).not.toMatch(/HDF5-DIAG|#000/);
  });

  it('names a weights-only .h5 by what it is', async () => {
    const folder = path.join(dir, 'weights-only');
    await mkdir(folder, { recursive: true });
    // model.weights.h5 from inside a .keras archive: HDF5 without a model_config.
    const entries = unzipSync(await readFile(path.join(MODEL_FIXTURES, 'keras3-cnn.keras')));
    const file = path.join(folder, 'model.weights.h5');
    await writeFile(file, entries['model.weights.h5']);
    const error = await failure(loadModel(file));
    expect(error.problem).toMatch(/HDF5 file but not a Keras model \(no model_config/);
  });
});
