import {
  fitAffineMap,
  fullMap,
  identityFull,
  odirPenalty,
  fullMapNll,
  type AffineMap,
} from './nll-fit';

/** The ODIR strengths tried (λ = μ), weakest first. */
export const ODIR_GRID = [1e-3, 1e-1, 10, 1000];
/** Folds of the cross-validation on the calibration part. */
export const ODIR_FOLDS = 3;

/**
 * A full affine map (W, b) on `features` with ODIR regularisation (Kull et al. 2019), its strength
 * chosen by `ODIR_FOLDS`-fold cross-validation on the calibration data: sample i goes to fold
 * i mod folds; each λ (= μ) of `ODIR_GRID` is fitted on the other folds and scored by the held-out
 * mean NLL; the lowest total wins (ties to the stronger penalty), then the map is refitted on all
 * of it. Fewer than 2 samples per fold: the strongest λ without cross-validation.
 */
export function fitOdirMap(
  features: ArrayLike<number>,
  labels: ArrayLike<number>,
  K: number,
): { theta: Float64Array; lambda: number; map: AffineMap; cvNll: number[] } {
  const map = fullMap(K);
  const n = labels.length;
  const cvNll: number[] = [];
  let best = ODIR_GRID[ODIR_GRID.length - 1];
  let start = identityFull(K);
  if (n >= 2 * ODIR_FOLDS) {
    const folds = Array.from({ length: ODIR_FOLDS }, (_, fold) => ({
      train: rows(features, labels, K, (i) => i % ODIR_FOLDS !== fold),
      test: rows(features, labels, K, (i) => i % ODIR_FOLDS === fold),
      // Each fold starts from its solution at the previous λ (the same convex problem, a little
      // less penalised): fewer Newton steps, the same minimum. The strongest λ goes first: its
      // solution is closest to the identity start (ODIR pulls towards a diagonal map).
      start: identityFull(K),
      solutions: new Map<number, Float64Array>(),
    }));
    const scores = new Array<number>(ODIR_GRID.length).fill(NaN);
    for (let j = ODIR_GRID.length - 1; j >= 0; j--) {
      const lambda = ODIR_GRID[j];
      let total = 0;
      for (const fold of folds) {
        const { x: trainX, y: trainY } = fold.train;
        const { x: testX, y: testY } = fold.test;
        const { theta } = fitAffineMap(map, trainX, trainY, fold.start, {
          penalty: odirPenalty(K, lambda, lambda),
          // The held-out NLL needs the minimum to far less than the gaps between grid points.
          gradientTolerance: 1e-8,
        });
        fold.start = theta;
        fold.solutions.set(lambda, theta);
        total +=
          fullMapNll(K, theta, testX, testY, new Float64Array(map.parameterCount)) * testY.length;
      }
      scores[j] = total / n;
    }
    // The lowest held-out NLL; ties to the stronger penalty.
    let bestScore = Infinity;
    ODIR_GRID.forEach((lambda, j) => {
      cvNll.push(scores[j]);
      if (scores[j] <= bestScore) {
        bestScore = scores[j];
        best = lambda;
      }
    });
    // The final fit starts from the folds' mean solution at the chosen λ (a few Newton steps).
    start = new Float64Array(map.parameterCount);
    for (const fold of folds) {
      const theta = fold.solutions.get(best)!;
      for (let j = 0; j < theta.length; j++) start[j] += theta[j] / folds.length;
    }
  }
  const { theta } = fitAffineMap(map, features, labels, start, {
    penalty: odirPenalty(K, best, best),
  });
  return { theta, lambda: best, map, cvNll };
}

function rows(
  features: ArrayLike<number>,
  labels: ArrayLike<number>,
  K: number,
  keep: (i: number) => boolean,
): { x: Float64Array; y: Int32Array } {
  const index: number[] = [];
  for (let i = 0; i < labels.length; i++) if (keep(i)) index.push(i);
  const x = new Float64Array(index.length * K);
  const y = new Int32Array(index.length);
  index.forEach((i, r) => {
    y[r] = labels[i];
    for (let k = 0; k < K; k++) x[r * K + k] = features[i * K + k];
  });
  return { x, y };
}

export function matrixParameters(
  theta: Float64Array,
  K: number,
): { weights: number[][]; biases: number[] } {
  const weights = Array.from({ length: K }, (_, k) => Array.from(theta.subarray(k * K, k * K + K)));
  return { weights, biases: Array.from(theta.subarray(K * K)) };
}

/** θ (row-major W, then b) from saved `weights` (K × K) and `biases`. */
export function thetaOfMatrix(parameters: { weights?: unknown; biases?: unknown }): number[] {
  return [...(parameters.weights as number[][]).flat(), ...(parameters.biases as number[])];
}
