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
