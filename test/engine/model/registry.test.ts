import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/engine/backend';
import { InputError } from '../../../src/engine/input-error';
import type { LoadedModel } from '../../../src/engine/model/loaded-model';
import type { ModelLoader } from '../../../src/engine/model/model-loader';
import { MODEL_LOADERS, ModelOpenError, openModel } from '../../../src/engine/model/registry';
import { MODEL_FORMAT_LABELS } from '../../../src/shared/model-formats';
import { tempDir } from '../../helpers/temp-dir';
import { saveTinyModel } from '../../helpers/tiny-models';

let dir: string;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = await tempDir();
});

async function failure(promise: Promise<unknown>): Promise<ModelOpenError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelOpenError);
  return error as ModelOpenError;
}

describe('the model registry', () => {
  it('has the TF.js loader first, and a label for every format', () => {
    expect(MODEL_LOADERS[0].name).toBe('TF.js');
    for (const label of Object.values(MODEL_FORMAT_LABELS)) expect(label.length).toBeGreaterThan(3);
  });

  it('opens a TF.js folder and its model.json alike', async () => {
    const folder = path.join(dir, 'tiny');
    (await saveTinyModel(folder)).dispose();
    for (const location of [folder, path.join(folder, 'model.json')]) {
      const model = await openModel(location);
      expect(model.info.format).toBe('layers');
      expect(model.trainable).toBeDefined();
      model.dispose();
    }
  });

  it('uses --classes over the names beside the model', async () => {
    const folder = path.join(dir, 'named');
    (await saveTinyModel(folder, { classNames: ['a', 'b', 'c'] })).dispose();
    const model = await openModel(folder, { classNames: ['x', 'y', 'z'] });
    expect(model.info.classNames).toEqual(['x', 'y', 'z']);
    expect(model.info.classNamesSource).toBe('--classes');
    model.dispose();
    const wrong = await failure(openModel(folder, { classNames: ['x', 'y'] }));
    expect(wrong.problem).toMatch(/lists 2 class names but the model has 3 classes/);
  });

  it('tries the next loader when one recognises a file but cannot open it, keeping each reason', async () => {
    const file = path.join(dir, 'thing.bin');
    await writeFile(file, 'abc');
    const opened: string[] = [];
    const refusing: ModelLoader = {
      name: 'first',
      match: async () => ({ format: 'onnx', file }),
      open: async () => {
        opened.push('first');
        throw new InputError(file, 'is not what first wants.');
      },
    };
    const accepting: ModelLoader = {
      name: 'second',
      match: async () => ({ format: 'onnx', file }),
      open: async () => {
        opened.push('second');
        return { info: { file } } as unknown as LoadedModel;
      },
    };
    const model = await openModel(file, {}, [refusing, accepting]);
    expect(model.info.file).toBe(file);
    expect(opened).toEqual(['first', 'second']);

    const error = await failure(openModel(file, {}, [refusing, refusing]));
    expect(error.problem).toBe('is not what first wants.');
    expect(error.attempts.map((a) => a.loader)).toEqual(['first', 'first']);
  });

  it('names a file no loader recognises by what it is', async () => {
    const file = path.join(dir, 'model.tflite');
    await writeFile(file, Buffer.from([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33, 0, 0, 0, 0]));
    const error = await failure(openModel(file));
    expect(error.file).toBe(file);
    expect(error.problem).toMatch(/TensorFlow Lite flatbuffer/);
    expect(error.attempts).toEqual([]);
  });

  it('opens the one model file in a folder that has no model.json', async () => {
    const folder = path.join(dir, 'holder');
    await mkdir(folder, { recursive: true });
    const tflite = path.join(dir, 'model.tflite');
    await copyFile(tflite, path.join(folder, 'model.onnx')).catch(() => undefined);
    const error = await failure(openModel(folder));
    // The folder's one model file is what is opened (and named).
    expect(error.file).toBe(path.join(folder, 'model.onnx'));
  });
});
