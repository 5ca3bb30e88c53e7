import { defineCalibrator, logSoftmaxRows, softmaxRows } from '../base';
import { applyAffineMap, fullMap } from './nll-fit';
import { fitOdirMap, matrixParameters, thetaOfMatrix } from './odir';

/**
 * Dirichlet calibration with ODIR (Kull et al. 2019, "Dir-ODIR"): z' = W log p + b with
 * p = softmax(z), i.e. matrix scaling of the log-probabilities; off-diagonal weights and biases
 * penalised, strength chosen by cross-validation on the calibration part.
 */
export const dirichletCalibration = defineCalibrator(
  {
    id: 'dirichlet',
    family: 'scaling',
    name: 'Dirichlet calibration (ODIR)',
    reference: 'Kull et al. 2019 (NeurIPS); netcal DirichletCalibration',
    appliesTo: (K) => K >= 2,
  },
  (data) => {
    const K = data.numClasses;
    const { theta, lambda } = fitOdirMap(logSoftmaxRows(data.logits, K), data.labels, K);
    return {
      parameters: { ...matrixParameters(theta, K), lambda, mu: lambda },
      summary: `λ = μ = ${lambda}, cross-validated`,
    };
  },
  (parameters, K) => {
    const map = fullMap(K);
    const theta = thetaOfMatrix(parameters);
    return (logits) => {
      const z = applyAffineMap(map, theta, logSoftmaxRows(logits, K));
      return { probs: softmaxRows(z, K), logits: Float32Array.from(z) };
    };
  },
);
