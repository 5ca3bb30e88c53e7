import { defineCalibrator, softmaxRows } from '../base';
import { applyAffineMap, fitAffineMap, type AffineMap } from './nll-fit';

/** P(y = 1) = sigmoid(a s + b) as logits (0, a s + b), s the one feature. */
const PLATT_MAP: AffineMap = {
  outputs: 2,
  inputs: 1,
  terms: [
    { k: 1, d: 0, param: 0 },
    { k: 1, d: -1, param: 1 },
  ],
  parameterCount: 2,
};

/**
 * Platt scaling (Platt 1999), binary models only: P(y = 1) = sigmoid(a·s + b) with s = z₁ − z₀
 * the model's log-odds, a and b fitted by minimising the NLL (unpenalised logistic regression on s,
 * as scikit-learn's `LogisticRegression(penalty=None)`; `CalibratedClassifierCV(method='sigmoid')`
 * additionally smooths the 0/1 targets to (N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2), which is not done here).
 */
export const plattScaling = defineCalibrator(
  {
    id: 'platt',
    family: 'scaling',
    name: 'Platt scaling',
    reference: 'Platt 1999; scikit-learn LogisticRegression(penalty=None) on the log-odds',
    appliesTo: (K) => K === 2,
  },
  (data) => {
    const { theta } = fitAffineMap(PLATT_MAP, logOdds(data.logits), data.labels, [1, 0]);
    const [a, b] = theta;
    return { parameters: { a, b }, summary: `a = ${a.toFixed(3)}, b = ${b.toFixed(3)}` };
  },
  (parameters) => {
    const theta = [parameters.a as number, parameters.b as number];
    return (logits) => {
      const z = applyAffineMap(PLATT_MAP, theta, logOdds(logits));
      return { probs: softmaxRows(z, 2), logits: Float32Array.from(z) };
    };
  },
);

/** s = z₁ − z₀ per row. */
function logOdds(logits: ArrayLike<number>): Float64Array {
  const n = logits.length / 2;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = logits[2 * i + 1] - logits[2 * i];
  return s;
}
