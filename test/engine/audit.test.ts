import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/engine/audit';
import { selectBackend } from '../../src/engine/backend';
import { CancelledError } from '../../src/engine/inference';
import { InputError } from '../../src/engine/input-error';
import { tempDir } from '../helpers/temp-dir';
import { saveTinyModel } from '../helpers/tiny-models';

let dir: string;
let csv: string;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = await tempDir();
  const rows = ['f1,f2,f3,f4,label'];
  for (let i = 0; i < 60; i++)
    rows.push(`${i % 7},${(i * 3) % 5},${i % 2},${(i % 11) / 10},${['a', 'b', 'c'][i % 3]}`);
  csv = path.join(dir, 'test.csv');
  await writeFile(csv, rows.join('\n') + '\n');
});

describe('runAudit', () => {
  it('audits a CSV test set with class names and records the backend', async () => {
    const model = path.join(dir, 'ok');
    await saveTinyModel(model, { classNames: ['a', 'b', 'c'] });
    const { document, samples } = await runAudit({
      modelPath: model,
      dataPath: csv,
      bootstrapResamples: 50,
    });
    expect(document.provenance.backend).toBe('cpu');
    expect(document.provenance.sampleCount).toBe(60);
    expect(document.dataset.countsPerClass).toEqual([20, 20, 20]);
    expect(samples.ids[0]).toBe('row:1');
    expect(samples.probs).toHaveLength(180);
    expect(document.metrics.accuracy.value).toBeGreaterThanOrEqual(0);
  });

  it('names the model and test set as given, else by the model and the file', async () => {
    const model = path.join(dir, 'named');
    await saveTinyModel(model, { classNames: ['a', 'b', 'c'] });
    const given = await runAudit({
      modelPath: model,
      dataPath: csv,
      bootstrapResamples: 0,
      names: { model: 'my model', testSet: 'held-out rows' },
    });
    expect(given.document.names).toEqual({ model: 'my model', testSet: 'held-out rows' });
    const plain = await runAudit({ modelPath: model, dataPath: csv, bootstrapResamples: 0 });
    expect(plain.document.names).toEqual({
      model: plain.document.model!.name,
      testSet: 'test.csv',
    });
  });

  it('names the model when it produces NaN outputs', async () => {
    const model = path.join(dir, 'nan');
    await saveTinyModel(model, { classNames: ['a', 'b', 'c'] });
    const shard = path.join(model, 'group1-shard1of1.bin');
    const bytes = await readFile(shard);
    const weights = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    weights.fill(Number.NaN, 0, 8);
    await writeFile(shard, bytes);
    const error = await runAudit({ modelPath: model, dataPath: csv }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).file).toBe(path.join(model, 'model.json'));
    expect((error as InputError).message).toMatch(
      /NaN or infinite outputs \(first for test sample row:1\)/,
    );
  });

  it('refuses a test set whose labels the model does not have', async () => {
    const model = path.join(dir, 'other-names');
    await saveTinyModel(model, { classNames: ['x', 'y', 'z'] });
    const error = await runAudit({ modelPath: model, dataPath: csv }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(
      /row 1: label "a" is not one of the model's classes/,
    );
  });

  it('stops with CancelledError when cancelled', async () => {
    const model = path.join(dir, 'cancel');
    await saveTinyModel(model, { classNames: ['a', 'b', 'c'] });
    const controller = new AbortController();
    const audit = runAudit(
      { modelPath: model, dataPath: csv, batchSize: 8 },
      {
        signal: controller.signal,
        onProgress: (p) => p.phase === 'inference' && controller.abort(),
      },
    );
    await expect(audit).rejects.toBeInstanceOf(CancelledError);
  });
});
