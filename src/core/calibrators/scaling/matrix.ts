import { defineCalibrator, softmaxRows } from '../base';
import { applyAffineMap, fullMap } from './nll-fit';
import { fitOdirMap, matrixParameters, thetaOfMatrix } from './odir';

/**
 * Matrix scaling with ODIR (Kull et al. 2019, "MS-ODIR"): z' = W z + b on the logits, off-diagonal
 * weights and biases penalised, strength chosen by cross-validation on the calibration part.
 */
export const matrixScaling = defineCalibrator(
  {
    id: 'matrix',
    family: 'scaling',
    name: 'matrix scaling (ODIR)',
    reference: 'Guo et al. 2017; ODIR of Kull et al. 2019',
    appliesTo: (K) => K >= 2,
  },
  (data) => {
    const K = data.numClasses;
    const { theta, lambda } = fitOdirMap(data.logits, data.labels, K);
    return {
      parameters: { ...matrixParameters(theta, K), lambda, mu: lambda },
      summary: `λ = μ = ${lambda}, cross-validated`,
    };
  },
  (parameters, K) => {
    const map = fullMap(K);
    const theta = thetaOfMatrix(parameters);
    return (logits) => {
      const z = applyAffineMap(map, theta, logits);
      return { probs: softmaxRows(z, K), logits: Float32Array.from(z) };
    };
  },
);
