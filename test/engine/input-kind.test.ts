import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_MODEL_DIR, DEMO_TEST_DIR } from '../../src/engine/demo';
import { classifyInput, sortInputs } from '../../src/engine/input-kind';
import { makeTempDir, writeFileDeep } from './data/fixtures';

const MODELS = path.resolve('test/fixtures/models');
const SCORES = path.resolve('test/fixtures/scores');

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

describe('telling inputs apart by content', () => {
  it('classifies models, test sets, score files and model parts', async () => {
    expect(await classifyInput(DEMO_MODEL_DIR)).toEqual({ kind: 'model' });
    expect(await classifyInput(path.join(DEMO_MODEL_DIR, 'model.json'))).toEqual({
      kind: 'model',
    });
    expect(await classifyInput(path.join(MODELS, 'onnx-cnn.onnx'))).toEqual({ kind: 'model' });
    expect(await classifyInput(path.join(MODELS, 'keras3-cnn.keras'))).toEqual({ kind: 'model' });
    expect(await classifyInput(path.join(MODELS, 'tabular.csv'))).toEqual({ kind: 'testSet' });
    expect(await classifyInput(DEMO_TEST_DIR)).toEqual({ kind: 'testSet' });
    expect(await classifyInput(path.join(SCORES, 'logits.csv'))).toEqual({
      kind: 'scores',
      format: 'csv',
    });
    expect(await classifyInput(path.join(SCORES, 'probs.npz'))).toEqual({
      kind: 'scores',
      format: 'npz',
    });
    expect(await classifyInput(path.join(DEMO_MODEL_DIR, 'group1-shard1of1.bin'))).toEqual({
      kind: 'model-part',
    });
    // JSON beside a model, not a second model.
    expect(await classifyInput(path.join(DEMO_MODEL_DIR, 'metadata.json'))).toEqual({
      kind: 'model-part',
    });
    const pdf = await writeFileDeep(path.join(dir, 'paper.pdf'), '%PDF-1.4\n\0\0binary');
    expect(await classifyInput(pdf)).toMatchObject({ kind: 'unknown' });
  });

  it('sorts a model folder, loose model files and a test set dropped together', async () => {
    const sorted = await sortInputs([DEMO_MODEL_DIR, path.join(MODELS, 'tabular.csv')]);
    expect(sorted).toEqual({
      model: DEMO_MODEL_DIR,
      testSet: path.join(MODELS, 'tabular.csv'),
      scores: null,
      ignored: [],
    });
    // model.json + its shard + the four Fashion-MNIST files, loose in one folder.
    for (const name of ['model.json', 'group1-shard1of1.bin', 'metadata.json']) {
      await copyFile(path.join(DEMO_MODEL_DIR, name), path.join(dir, name)).catch(() => undefined);
    }
    const idx = [
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
    ];
    await mkdir(dir, { recursive: true });
    for (const name of idx.slice(0, 2))
      await copyFile(path.join(DEMO_TEST_DIR, name), path.join(dir, name));
    // Training files as copies of the test files under training names (their content is not read).
    await copyFile(path.join(DEMO_TEST_DIR, idx[0]), path.join(dir, idx[2]));
    await copyFile(path.join(DEMO_TEST_DIR, idx[1]), path.join(dir, idx[3]));
    const loose = await sortInputs(
      ['model.json', 'group1-shard1of1.bin', 'metadata.json', ...idx].map((n) => path.join(dir, n)),
    );
    expect(loose.model).toBe(path.join(dir, 'model.json'));
    expect(loose.testSet).toBe(path.join(dir, idx[0]));
    expect(loose.ignored.map((i) => [path.basename(i.path), i.reason])).toEqual([
      [idx[2], 'was left out: the pair of t10k-images-idx3-ubyte.gz is the test set.'],
      [idx[3], 'was left out: the pair of t10k-images-idx3-ubyte.gz is the test set.'],
    ]);
  });

  it('names a second model and what is neither', async () => {
    const pdf = await writeFileDeep(path.join(dir, 'paper.pdf'), '%PDF-1.4\n\0\0binary');
    const sorted = await sortInputs([
      path.join(MODELS, 'onnx-cnn.onnx'),
      path.join(MODELS, 'keras3-cnn.keras'),
      pdf,
    ]);
    expect(sorted.model).toBe(path.join(MODELS, 'onnx-cnn.onnx'));
    expect(sorted.testSet).toBeNull();
    expect(sorted.ignored[0]).toEqual({
      path: path.join(MODELS, 'keras3-cnn.keras'),
      reason: 'is a second model; one is audited.',
    });
    expect(sorted.ignored[1].path).toBe(pdf);
  });
});
