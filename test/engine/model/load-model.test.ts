import { readFile, writeFile, mkdir, rm, rename, truncate, copyFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/engine/backend';
import { InputError } from '../../../src/engine/input-error';
import { loadModel } from '../../../src/engine/model/load-model';
import { tempDir } from '../../helpers/temp-dir';
import { modelFile, saveTinyModel } from '../../helpers/tiny-models';

let root: string;
const x = new Float32Array([0.5, -1, 2, 0.25, 1, 1, 0, -0.5]);

beforeAll(async () => {
  await selectBackend('cpu');
  root = await tempDir();
});

async function freshModel(name: string, options: Parameters<typeof saveTinyModel>[1] = {}) {
  const folder = path.join(root, name);
  const model = await saveTinyModel(folder, options);
  return { folder, model };
}

async function expectInputError(promise: Promise<unknown>, file: string, pattern: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).file).toBe(file);
  expect((error as InputError).message).toMatch(pattern);
}

describe('loadModel', () => {
  it('loads a softmax model with true logits and the same probabilities as the saved model', async () => {
    const { folder, model } = await freshModel('softmax', { classNames: ['a', 'b', 'c'] });
    const loaded = await loadModel(folder);
    expect(loaded.info.output).toBe('softmax');
    expect(loaded.info.numClasses).toBe(3);
    expect(loaded.info.classNames).toEqual(['a', 'b', 'c']);
    expect(loaded.info.inputShape).toEqual([4]);
    expect(loaded.info.parameters).toBe(model.countParams());
    expect(loaded.info.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const scores = await loaded.predict(x, 2);
    const expected = (model.predict(tf.tensor2d(x, [2, 4])) as tf.Tensor).dataSync();
    for (let i = 0; i < 6; i++) expect(scores.probs[i]).toBeCloseTo(expected[i], 6);
    // logits reproduce the probabilities through a softmax, and are not the probabilities themselves
    const row = Array.from(scores.logits.slice(0, 3));
    const sum = row.reduce((s, z) => s + Math.exp(z), 0);
    expect(Math.exp(row[0]) / sum).toBeCloseTo(expected[0], 6);
    expect(row.some((z) => z < 0 || z > 1)).toBe(true);
    loaded.dispose();
  });

  it('exposes logits behind a separate Softmax layer', async () => {
    const { folder, model } = await freshModel('softmax-layer', { head: 'softmax-layer' });
    const loaded = await loadModel(folder);
    expect(loaded.info.output).toBe('softmax');
    const expected = (model.predict(tf.tensor2d(x, [2, 4])) as tf.Tensor).dataSync();
    const scores = await loaded.predict(x, 2);
    for (let i = 0; i < 6; i++) expect(scores.probs[i]).toBeCloseTo(expected[i], 6);
  });

  it('treats a single sigmoid unit as two classes (1 - p, p) with logits (0, z)', async () => {
    const { folder, model } = await freshModel('sigmoid', { head: 'sigmoid' });
    const loaded = await loadModel(folder);
    expect(loaded.info.output).toBe('sigmoid');
    expect(loaded.info.numClasses).toBe(2);
    const p = (model.predict(tf.tensor2d(x, [2, 4])) as tf.Tensor).dataSync();
    const scores = await loaded.predict(x, 2);
    expect(scores.probs[1]).toBeCloseTo(p[0], 6);
    expect(scores.probs[0]).toBeCloseTo(1 - p[0], 6);
    expect(scores.logits[0]).toBe(0);
    expect(1 / (1 + Math.exp(-scores.logits[1]))).toBeCloseTo(p[0], 6);
  });

  it('reports a linear head as logits', async () => {
    const { folder } = await freshModel('linear', { head: 'linear' });
    expect((await loadModel(folder)).info.output).toBe('logits');
  });

  it('finds NAME.json as model.save("downloads://NAME") writes it', async () => {
    const { folder } = await freshModel('downloads');
    await rename(modelFile(folder), path.join(folder, 'my-model.json'));
    const loaded = await loadModel(folder);
    expect(loaded.info.name).toBe('my-model');
  });

  it('reads class names from labels.txt, including Teachable Machine numbering', async () => {
    const { folder } = await freshModel('labels-txt');
    await rm(path.join(folder, 'metadata.json'));
    await writeFile(path.join(folder, 'labels.txt'), '0 cat\n1 dog\n2 bird\n');
    expect((await loadModel(folder)).info.classNames).toEqual(['cat', 'dog', 'bird']);
  });

  it('takes Teachable Machine preprocessing from metadata.json', async () => {
    const { folder } = await freshModel('tm');
    await writeFile(
      path.join(folder, 'metadata.json'),
      JSON.stringify({ tmVersion: '2.4.7', labels: ['x', 'y', 'z'], imageSize: 224 }),
    );
    const info = (await loadModel(folder)).info;
    expect(info.preprocessing).toEqual({ scaling: '-1-1', crop: 'center' });
    expect(info.classNames).toEqual(['x', 'y', 'z']);
  });

  it('changes the fingerprint when one weight byte changes', async () => {
    const { folder } = await freshModel('fingerprint');
    const before = (await loadModel(folder)).info.fingerprint;
    const shard = path.join(folder, 'group1-shard1of1.bin');
    const bytes = await readFile(shard);
    bytes[10] ^= 1;
    await writeFile(shard, bytes);
    expect((await loadModel(folder)).info.fingerprint).not.toBe(before);
  });
});

describe('loadModel on bad input', () => {
  it('names a folder that does not exist', async () => {
    const missing = path.join(root, 'nope');
    await expectInputError(loadModel(missing), missing, /does not exist/);
  });

  it('names a folder without a model', async () => {
    const folder = path.join(root, 'empty');
    await mkdir(folder);
    await expectInputError(loadModel(folder), folder, /no TF\.js model/);
  });

  it('reports an empty model.json', async () => {
    const { folder } = await freshModel('empty-json');
    await writeFile(modelFile(folder), '');
    await expectInputError(loadModel(folder), modelFile(folder), /File has no content/);
  });

  it('reports a truncated model.json', async () => {
    const { folder } = await freshModel('truncated-json');
    const text = await readFile(modelFile(folder), 'utf8');
    await writeFile(modelFile(folder), text.slice(0, text.length / 2));
    await expectInputError(
      loadModel(folder),
      modelFile(folder),
      /not valid JSON, possibly truncated/,
    );
  });

  it('names a model.json that is not JSON by what it is, never with its bytes', async () => {
    for (const [name, bytes, pattern] of [
      [
        'keras-zip',
        Buffer.from('PK\x03\x04\x14\x00\x00\x00config.json', 'latin1'),
        /not JSON: it is a Keras 3 model archive/,
      ],
      [
        'hdf5',
        Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0xff]),
        /not JSON: it is an HDF5 file/,
      ],
    ] as const) {
      const { folder } = await freshModel(`binary-${name}`);
      await writeFile(modelFile(folder), bytes);
      const error = (await loadModel(folder).catch((e: unknown) => e)) as InputError;
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(pattern);
      expect(error.message).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it('reports JSON that is not a model', async () => {
    const { folder } = await freshModel('not-model');
    await writeFile(modelFile(folder), JSON.stringify({ hello: 'world' }));
    await expectInputError(loadModel(folder), modelFile(folder), /no modelTopology/);
  });

  it('names a missing shard', async () => {
    const { folder } = await freshModel('missing-shard');
    const shard = path.join(folder, 'group1-shard1of1.bin');
    await rm(shard);
    await expectInputError(loadModel(folder), shard, /is missing/);
  });

  it('names a short shard with both byte counts', async () => {
    const { folder } = await freshModel('short-shard');
    const shard = path.join(folder, 'group1-shard1of1.bin');
    await truncate(shard, 20);
    await expectInputError(
      loadModel(folder),
      shard,
      /is too short: it holds 20 bytes but model\.json declares \d+ for its weights/,
    );
  });

  it('refuses weight paths outside the folder, relative or absolute', async () => {
    for (const hostile of [
      '../outside.bin',
      '/etc/passwd',
      'sub/../../x.bin',
      'file:///etc/passwd',
    ]) {
      const { folder } = await freshModel(`escape-${hostile.replace(/\W/g, '_')}`);
      const json = JSON.parse(await readFile(modelFile(folder), 'utf8'));
      json.weightsManifest[0].paths = [hostile];
      await writeFile(modelFile(folder), JSON.stringify(json));
      await expectInputError(
        loadModel(folder),
        modelFile(folder),
        /outside the model folder; refused/,
      );
    }
  });

  it('fails fast on a weight spec declaring a huge tensor, without allocating it', async () => {
    const { folder } = await freshModel('huge-spec');
    const json = JSON.parse(await readFile(modelFile(folder), 'utf8'));
    json.weightsManifest[0].weights[0].shape = [100000, 100000];
    await writeFile(modelFile(folder), JSON.stringify(json));
    const shard = path.join(folder, 'group1-shard1of1.bin');
    await expectInputError(loadModel(folder), shard, /declares 40000\d+/);
  });

  it('names an unknown layer class', async () => {
    const { folder } = await freshModel('unknown-layer');
    const text = await readFile(modelFile(folder), 'utf8');
    await writeFile(
      modelFile(folder),
      text.replace('"class_name":"Dense"', '"class_name":"FancyDense"'),
    );
    await expectInputError(loadModel(folder), modelFile(folder), /layer class 'FancyDense'/);
  });

  it('reports class names that do not match the outputs', async () => {
    const { folder } = await freshModel('names-mismatch', { classNames: ['a', 'b'] });
    await expectInputError(
      loadModel(folder),
      path.join(folder, 'metadata.json'),
      /lists 2 class names but the model has 3 classes/,
    );
  });

  it('loads again from a copy after a failed attempt (nothing cached)', async () => {
    const { folder } = await freshModel('recover');
    const backup = path.join(root, 'recover-backup.bin');
    const shard = path.join(folder, 'group1-shard1of1.bin');
    await copyFile(shard, backup);
    await truncate(shard, 4);
    await expect(loadModel(folder)).rejects.toBeInstanceOf(InputError);
    await copyFile(backup, shard);
    expect((await loadModel(folder)).info.numClasses).toBe(3);
  });
});
