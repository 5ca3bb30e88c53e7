import type { CalibratorId, CalibratorParameters } from './types';

/**
 * A scaling map written as one affine map z' = W x + b on K features per sample, where x is the
 * model's logits, or its log-probabilities (log-softmax of the logits) for Dirichlet calibration;
 * the calibrated probabilities are softmax(z'). This is what an export appends to a model as
 * layers (`src/engine/finetune/export.ts`): an optional log-softmax, then one Dense layer.
 */
export interface AffineForm {
  /** x is log-softmax(logits) (Dirichlet), not the logits. */
  onLogProbabilities: boolean;
  /** K × K, row k gives output logit k: z'_k = Σ_d weights[k][d] x_d + biases[k]. */
  weights: number[][];
  biases: number[];
}

/**
 * The affine form of a fitted scaling map from its saved parameters (temperature: W = I/T;
 * vector: W = diag(w); matrix and Dirichlet: W as fitted; Platt, binary: the log-odds
 * s = z₁ − z₀ goes to (0, a·s + b)). Null for the binning maps, which are not affine.
 */
export function affineFormOf(
  id: CalibratorId,
  parameters: CalibratorParameters,
  numClasses: number,
): AffineForm | null {
  const K = numClasses;
  const zeros = () => Array.from({ length: K }, () => new Array<number>(K).fill(0));
  switch (id) {
    case 'temperature': {
      const T = parameters.temperature as number;
      const weights = zeros();
      for (let k = 0; k < K; k++) weights[k][k] = 1 / T;
      return { onLogProbabilities: false, weights, biases: new Array<number>(K).fill(0) };
    }
    case 'vector': {
      const w = parameters.weights as number[];
      const weights = zeros();
      for (let k = 0; k < K; k++) weights[k][k] = w[k];
      return { onLogProbabilities: false, weights, biases: [...(parameters.biases as number[])] };
    }
    case 'matrix':
    case 'dirichlet':
      return {
        onLogProbabilities: id === 'dirichlet',
        weights: (parameters.weights as number[][]).map((row) => [...row]),
        biases: [...(parameters.biases as number[])],
      };
    case 'platt': {
      const a = parameters.a as number;
      const b = parameters.b as number;
      return {
        onLogProbabilities: false,
        weights: [
          [0, 0],
          [-a, a],
        ],
        biases: [0, b],
      };
    }
    case 'histogram':
    case 'isotonic':
      return null;
  }
}

/** softmax(W x + b) per row, in float64: the probabilities the affine form gives. */
export function applyAffineForm(
  form: AffineForm,
  logits: ArrayLike<number>,
  numClasses: number,
): Float64Array {
  const K = numClasses;
  const n = logits.length / K;
  const out = new Float64Array(n * K);
  const x = new Float64Array(K);
  const z = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let d = 0; d < K; d++) max = Math.max(max, logits[i * K + d]);
    let sum = 0;
    for (let d = 0; d < K; d++) sum += Math.exp(logits[i * K + d] - max);
    const lse = max + Math.log(sum);
    for (let d = 0; d < K; d++) {
      x[d] = form.onLogProbabilities ? logits[i * K + d] - lse : logits[i * K + d];
    }
    let zmax = -Infinity;
    for (let k = 0; k < K; k++) {
      let v = form.biases[k];
      for (let d = 0; d < K; d++) v += form.weights[k][d] * x[d];
      z[k] = v;
      zmax = Math.max(zmax, v);
    }
    let zsum = 0;
    for (let k = 0; k < K; k++) zsum += Math.exp(z[k] - zmax);
    for (let k = 0; k < K; k++) out[i * K + k] = Math.exp(z[k] - zmax) / zsum;
  }
  return out;
}
