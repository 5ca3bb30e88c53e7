import { defineCalibrator, softmaxRows } from '../base';
import { applyAffineMap, diagonalMap, fitAffineMap } from './nll-fit';

/**
 * Vector scaling (Guo et al. 2017): z'_k = w_k z_k + b_k, K weights and K biases fitted by
 * minimising the NLL (no penalty), from w = 1, b = 0. Can change the predicted class.
 */
export const vectorScaling = defineCalibrator(
  {
    id: 'vector',
    family: 'scaling',
    name: 'vector scaling',
    reference: 'Guo et al. 2017; netcal LogisticCalibration with a diagonal weight',
    appliesTo: (K) => K >= 2,
  },
  (data) => {
    const K = data.numClasses;
    const map = diagonalMap(K, true);
    const initial = new Float64Array(2 * K);
    initial.fill(1, 0, K);
    const { theta } = fitAffineMap(map, data.logits, data.labels, initial);
    const weights = Array.from(theta.subarray(0, K));
    const biases = Array.from(theta.subarray(K));
    return {
      parameters: { weights, biases },
      summary: `weights ${Math.min(...weights).toFixed(2)}–${Math.max(...weights).toFixed(2)}`,
    };
  },
  (parameters, K) => {
    const map = diagonalMap(K, true);
    const theta = [...(parameters.weights as number[]), ...(parameters.biases as number[])];
    return (logits) => {
      const z = applyAffineMap(map, theta, logits);
      return { probs: softmaxRows(z, K), logits: Float32Array.from(z) };
    };
  },
);
