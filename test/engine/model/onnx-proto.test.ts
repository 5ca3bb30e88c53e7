import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countOnnxParameters } from '../../../src/engine/model/onnx-proto';
import { MODEL_FIXTURES } from '../../helpers/model-fixtures';

describe('countOnnxParameters', () => {
  it('counts initializer elements: Conv 8×1×3×3 + 8, Gemm 8×10 + 10', async () => {
    const bytes = await readFile(path.join(MODEL_FIXTURES, 'onnx-cnn.onnx'));
    expect(countOnnxParameters(bytes)).toBe(72 + 8 + 80 + 10);
  });

  it("counts scikit-learn's coefficients kept in node attributes", async () => {
    const bytes = await readFile(path.join(MODEL_FIXTURES, 'sklearn-tabular.onnx'));
    // Scaler offset and scale (6 + 6), LinearClassifier coefficients and intercepts (3×6 + 3).
    expect(countOnnxParameters(bytes)).toBe(6 + 6 + 18 + 3);
  });

  it('returns null for bytes that are not a protobuf message', () => {
    expect(countOnnxParameters(new Uint8Array([0x3a, 0xff, 0xff, 0xff]))).toBeNull();
  });
});
