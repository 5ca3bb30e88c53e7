import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../../../src/engine/audit';
import { selectBackend } from '../../../../src/engine/backend';
import { runFinetune } from '../../../../src/engine/finetune/finetune';
import { InputError } from '../../../../src/engine/input-error';
import {
  chooseOnnxOutput,
  ONNX_NOT_TRAINABLE,
  readOnnxInput,
} from '../../../../src/engine/model/formats/onnx';
import { loadModel } from '../../../../src/engine/model/load-model';
import {
  expectedFor,
  FASHION_200,
  maxDifference,
  MODEL_FIXTURES,
  TABULAR_CSV,
} from '../../../helpers/model-fixtures';
import { tempDir } from '../../../helpers/temp-dir';

beforeAll(async () => {
  await selectBackend('wasm');
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
  ['onnx-cnn.onnx', FASHION_200, 'logits', [28, 28, 1]],
  ['onnx-cnn-nhwc.onnx', FASHION_200, 'probabilities', [28, 28, 1]],
  ['sklearn-tabular.onnx', TABULAR_CSV, 'probabilities', [6]],
])('%s', (name, data, output, inputShape) => {
  it("audits with onnxruntime's own probabilities, accuracy and ECE", async () => {
    const expected = expectedFor(name);
    const { document, samples } = await runAudit({
      modelPath: path.join(MODEL_FIXTURES, name),
      dataPath: data,
      bootstrapResamples: 20,
    });
    expect(document.model!.format).toBe('onnx');
    // onnxruntime ran the model, not the tfjs backend selected beforehand.
    expect(document.provenance.backend).toBe('onnxruntime-node (CPU)');
    expect(document.provenance.backendFallbacks).toEqual([]);
    expect(document.model!.output).toBe(output);
    expect(document.model!.inputShape).toEqual(inputShape);
    expect(document.model!.parameters).toBeGreaterThan(0);
    // A CSV of features says which columns it fed the model, in order.
    if (inputShape.length === 1) {
      expect(document.dataset.featureColumns).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
    }
    expect(maxDifference(samples.probs, expected.probs)).toBeLessThan(1e-4);
    if (expected.sklearnProbs) {
      // scikit-learn's own predict_proba, through skl2onnx and onnxruntime.
      expect(maxDifference(samples.probs, expected.sklearnProbs)).toBeLessThan(1e-4);
    }
    expect(Math.abs(document.metrics.accuracy.value - expected.accuracy)).toBeLessThan(1e-3);
    expect(Math.abs(document.metrics.ece.value - expected.ece)).toBeLessThan(1e-3);
  });
});

describe('sklearn-columns.onnx: one input per column (skl2onnx ColumnTransformer)', () => {
  const model = path.join(MODEL_FIXTURES, 'sklearn-columns.onnx');

  it("audits with onnxruntime's and scikit-learn's own probabilities, reading the columns by name", async () => {
    const expected = JSON.parse(
      await readFile(path.join(MODEL_FIXTURES, 'sklearn-columns.json'), 'utf8'),
    ) as { inputs: string[]; probs: number[][]; sklearnProbs: number[][]; accuracy: number };
    const { document, samples } = await runAudit({
      modelPath: model,
      dataPath: TABULAR_CSV,
      bootstrapResamples: 20,
    });
    // f3, f0, f5 of the CSV's f0..f5, in the model's input order: matched by name, not count.
    expect(expected.inputs).toEqual(['f3', 'f0', 'f5']);
    expect(document.dataset.featureColumns).toEqual(['f3', 'f0', 'f5']);
    expect(document.model!.inputShape).toEqual([3]);
    expect(document.provenance.backend).toBe('onnxruntime-node (CPU)');
    expect(maxDifference(samples.probs, expected.probs)).toBeLessThan(1e-4);
    expect(maxDifference(samples.probs, expected.sklearnProbs)).toBeLessThan(1e-4);
    expect(Math.abs(document.metrics.accuracy.value - expected.accuracy)).toBeLessThan(1e-9);
  });

  it('names the columns a CSV lacks for its inputs', async () => {
    const dir = await tempDir();
    const csv = path.join(dir, 'no-f5.csv');
    const lines = (await readFile(TABULAR_CSV, 'utf8')).trim().split('\n');
    await writeFile(
      csv,
      lines
        .map((line) =>
          line
            .split(',')
            .filter((_, i) => i !== 5)
            .join(','),
        )
        .join('\n'),
    );
    const error = await failure(
      runAudit({ modelPath: model, dataPath: csv, bootstrapResamples: 0 }),
    );
    expect(error.message).toMatch(
      /no-f5\.csv: has no column "f5" for the model's input \(it reads the columns "f3", "f0", "f5" by name\); its columns are "f0", "f1", "f2", "f3", "f4", "label"/,
    );
  });

  it('refuses inputs that are not one numeric column each, naming every input', () => {
    const inputs = [
      { name: 'age', isTensor: true, type: 'float32', shape: ['N', 1] },
      { name: 'city', isTensor: true, type: 'string', shape: ['N', 1] },
    ] as unknown as Parameters<typeof readOnnxInput>[1];
    expect(() => readOnnxInput('m.onnx', inputs)).toThrow(
      /m\.onnx: has 2 inputs \(age: float32 \[N, 1\]; city: string \[N, 1\]\); a model with several inputs is audited when each is one numeric column/,
    );
    expect(readOnnxInput('m.onnx', inputs.slice(0, 1).concat(inputs.slice(0, 1)))).toMatchObject({
      layout: 'columns',
      inputShape: [2],
    });
  });
});

describe('ONNX models: what is not offered, and inputs that cannot be used', () => {
  it('is not fine-tuned, and says why in one sentence', async () => {
    const model = await loadModel(path.join(MODEL_FIXTURES, 'onnx-cnn.onnx'));
    expect(model.trainable).toBeUndefined();
    expect(model.info.notTrainable).toBe(ONNX_NOT_TRAINABLE);
    model.dispose();
    const error = await failure(
      runFinetune({ modelPath: path.join(MODEL_FIXTURES, 'onnx-cnn.onnx'), dataPath: FASHION_200 }),
    );
    expect(error.problem).toBe(ONNX_NOT_TRAINABLE);
  });

  it("refuses skl2onnx's ZipMap output with the option that fixes it", async () => {
    const error = await failure(loadModel(path.join(MODEL_FIXTURES, 'sklearn-zipmap.onnx')));
    expect(error.problem).toMatch(/ZipMap.*\{'zipmap': False\}/);
  });

  it('reads NCHW, NHWC and feature inputs from their shapes', () => {
    const tensor = (shape: (number | string)[], type = 'float32') =>
      [{ name: 'x', isTensor: true, type, shape }] as unknown as Parameters<
        typeof readOnnxInput
      >[1];
    expect(readOnnxInput('m', tensor(['N', 3, 224, 224]))).toMatchObject({
      layout: 'nchw',
      inputShape: [224, 224, 3],
      fixedBatch: null,
    });
    expect(readOnnxInput('m', tensor([1, 224, 224, 3]))).toMatchObject({
      layout: 'nhwc',
      inputShape: [224, 224, 3],
      fixedBatch: 1,
    });
    expect(readOnnxInput('m', tensor([-1, 12]))).toMatchObject({
      layout: 'features',
      inputShape: [12],
    });
    expect(() => readOnnxInput('m', tensor(['N', 3, 'H', 'W']))).toThrow(
      /fixed size after the batch/,
    );
    expect(() => readOnnxInput('m', tensor(['N', 12], 'int64'))).toThrow(
      /only float32 and float64/,
    );
    expect(() => readOnnxInput('m', tensor(['N', 7, 9, 11]))).toThrow(/neither features/);
  });

  it('reads the scores from probabilities, logits or the first float output', () => {
    const outputs = (...names: [string, string][]) =>
      names.map(([name, type]) => ({
        name,
        isTensor: true,
        type,
        shape: ['N', 3],
      })) as unknown as Parameters<typeof chooseOnnxOutput>[1];
    expect(
      chooseOnnxOutput('m', outputs(['label', 'int64'], ['probabilities', 'float32'])),
    ).toEqual({
      name: 'probabilities',
      kind: 'probabilities',
    });
    expect(chooseOnnxOutput('m', outputs(['class_logits', 'float32']))).toEqual({
      name: 'class_logits',
      kind: 'logits',
    });
    expect(chooseOnnxOutput('m', outputs(['y', 'float32']))).toEqual({ name: 'y', kind: null });
    expect(() => chooseOnnxOutput('m', outputs(['label', 'int64']))).toThrow(
      /only labels, no scores/,
    );
  });
});
