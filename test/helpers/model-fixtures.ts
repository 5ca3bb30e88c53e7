import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The model fixtures made by scripts/make-model-fixtures.py (real Keras, onnxruntime, scikit-learn). */
export const MODEL_FIXTURES = path.resolve(__dirname, '../fixtures/models');
export const FASHION_200 = path.join(MODEL_FIXTURES, 'fashion-200');
export const TABULAR_CSV = path.join(MODEL_FIXTURES, 'tabular.csv');

export interface ExpectedModel {
  /** Each tool's own probabilities, one row per sample, in the input's order. */
  probs: number[][];
  accuracy: number;
  /** ECE with 15 equal-width bins, [a, b), the last closed (the project's definition). */
  ece: number;
  sklearnProbs?: number[][];
}

export function expectedFor(name: string): ExpectedModel {
  const json = JSON.parse(readFileSync(path.join(MODEL_FIXTURES, 'expected.json'), 'utf8')) as {
    models: Record<string, ExpectedModel>;
  };
  const expected = json.models[name];
  if (!expected) throw new Error(`expected.json has no entry for ${name}`);
  return expected;
}

/** The largest absolute difference between n×K probabilities and the expected rows. */
export function maxDifference(probs: Float32Array, rows: number[][]): number {
  const k = rows[0].length;
  if (probs.length !== rows.length * k) return Infinity;
  let max = 0;
  rows.forEach((row, i) =>
    row.forEach((p, c) => {
      max = Math.max(max, Math.abs(probs[i * k + c] - p));
    }),
  );
  return max;
}
