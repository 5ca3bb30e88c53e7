import { describe, expect, it } from 'vitest';
import { logSoftmaxRows, softmaxRows } from '../../../../src/core/calibrators/base';
import {
  affineNll,
  applyAffineMap,
  diagonalMap,
  fitAffineMap,
  fullMap,
  fullMapNll,
  fullMapNllWithHessian,
  identityFull,
  odirPenalty,
} from '../../../../src/core/calibrators/scaling/nll-fit';
import { CALIBRATORS } from '../../../../src/core/calibrators/registry';
import { syntheticPredictions } from '../../synthetic';
import { libraryReference, maxProbDifference } from '../library-reference';

const ref = libraryReference();
const K = ref.numClasses;
const xc = Float64Array.from(ref.calibration.logits.flat());
const yc = Int32Array.from(ref.calibration.labels);
const xe = Float64Array.from(ref.evaluation.logits.flat());
const shown = (a: ArrayLike<number>) => Array.from(a).slice(0, ref.shownRows * K);

describe('the shared NLL fit, against scipy on the demo (1e-4)', () => {
  it('temperature scaling: the registry calibrator gives scipy’s T and probabilities', () => {
    const fitted = CALIBRATORS.temperature.fit({ logits: xc, labels: yc, numClasses: K });
    const t = fitted.parameters.temperature as number;
    expect(Math.abs(t - (ref.arms.temperature.parameters.temperature as number))).toBeLessThan(
      1e-4,
    );
    expect(
      maxProbDifference(shown(fitted.apply(xe).probs), ref.arms.temperature.probs),
    ).toBeLessThan(1e-4);
  });

  it('vector scaling: same weights, biases and probabilities', () => {
    const fitted = CALIBRATORS.vector.fit({ logits: xc, labels: yc, numClasses: K });
    const p = fitted.parameters as { weights: number[]; biases: number[] };
    const theirs = ref.arms.vector.parameters as { weights: number[]; biases: number[] };
    // The NLL is convex but nearly flat along some directions: compare the map by its outputs,
    // and the weights loosely.
    p.weights.forEach((w, k) => expect(Math.abs(w - theirs.weights[k])).toBeLessThan(1e-2));
    expect(maxProbDifference(shown(fitted.apply(xe).probs), ref.arms.vector.probs)).toBeLessThan(
      1e-4,
    );
  });

  it('matrix scaling and Dirichlet calibration with ODIR at λ = μ = 0.01', () => {
    for (const [name, features, evalFeatures] of [
      ['matrix', xc, xe],
      ['dirichlet', logSoftmaxRows(xc, K), logSoftmaxRows(xe, K)],
    ] as const) {
      const map = fullMap(K);
      const { theta } = fitAffineMap(map, features, yc, identityFull(K), {
        penalty: odirPenalty(K, 0.01, 0.01),
      });
      const probs = softmaxRows(applyAffineMap(map, theta, evalFeatures), K);
      expect(maxProbDifference(shown(probs), ref.arms[name].probs), name).toBeLessThan(1e-4);
    }
  });

  it('has the gradient of the NLL (finite differences)', () => {
    const map = diagonalMap(3, true);
    const x = [0.2, -1, 2, 1, 0.5, -0.3, 0, 0, 3];
    const y = [2, 0, 1];
    const theta = Float64Array.from([1.1, 0.9, 1.3, 0.1, -0.2, 0.05]);
    const grad = new Float64Array(6);
    affineNll(map, theta, x, y, grad);
    for (let j = 0; j < 6; j++) {
      const h = 1e-6;
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[j] += h;
      down[j] -= h;
      const scratch = new Float64Array(6);
      const numeric =
        (affineNll(map, up, x, y, scratch) - affineNll(map, down, x, y, scratch)) / (2 * h);
      expect(grad[j]).toBeCloseTo(numeric, 6);
    }
  });
});

describe('the full-map fast paths (matrix scaling, Dirichlet)', () => {
  const K = 4;
  const p = syntheticPredictions(300, K, 77, { margin: 2, scale: 3 });
  const theta = Float64Array.from({ length: K * K + K }, (_, j) => Math.sin(j + 1) * 0.7);
  for (let k = 0; k < K; k++) theta[k * K + k] += 1;

  it('fullMapNll gives the generic NLL and gradient', () => {
    const a = new Float64Array(theta.length);
    const b = new Float64Array(theta.length);
    const generic = affineNll(fullMap(K), theta, p.logits!, p.labels, a);
    const fast = fullMapNll(K, theta, p.logits!, p.labels, b);
    expect(fast).toBeCloseTo(generic, 12);
    for (let j = 0; j < a.length; j++) expect(b[j]).toBeCloseTo(a[j], 12);
  });

  it('fullMapNllWithHessian: its Hessian is the derivative of the gradient (central differences)', () => {
    const P = theta.length;
    const gradient = new Float64Array(P);
    const hessian = new Float64Array(P * P);
    fullMapNllWithHessian(K, theta, p.logits!, p.labels, gradient, hessian);
    const h = 1e-5;
    const plus = new Float64Array(P);
    const minus = new Float64Array(P);
    let worst = 0;
    for (let c = 0; c < P; c++) {
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[c] += h;
      down[c] -= h;
      fullMapNll(K, up, p.logits!, p.labels, plus);
      fullMapNll(K, down, p.logits!, p.labels, minus);
      for (let r = 0; r < P; r++) {
        worst = Math.max(worst, Math.abs((plus[r] - minus[r]) / (2 * h) - hessian[r * P + c]));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });
});
