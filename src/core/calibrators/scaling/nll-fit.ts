/**
 * The one NLL-fitting helper every scaling calibrator shares (netcal: `TemperatureScaling`,
 * `LogisticCalibration`, `Dirichlet` are one logistic model with different parameter ties).
 *
 * A map sends features x_i (D numbers per sample: logits, log-probabilities or a logit difference)
 * to new logits z'_ik = Σ_terms θ_j · x_id (a term with d = -1 is a bias, x = 1). Parameters may be
 * shared by several terms (temperature: one β on every diagonal term). The mean NLL of
 * softmax(z'), plus an optional penalty, is minimised by L-BFGS with a backtracking (Armijo) line
 * search; the NLL of an affine map of fixed features is convex, so the minimum is the minimum.
 */

/** θ[param] multiplies feature d (-1: the constant 1) in output logit k. */
export interface MapTerm {
  k: number;
  d: number;
  param: number;
}

export interface AffineMap {
  /** Output classes K. */
  outputs: number;
  /** Features per sample D. */
  inputs: number;
  terms: MapTerm[];
  parameterCount: number;
}

export interface Penalty {
  (theta: Float64Array, gradient: Float64Array): number;
}

/** z' = map(θ, x) for n samples: n × K logits in float64. */
export function applyAffineMap(
  map: AffineMap,
  theta: ArrayLike<number>,
  features: ArrayLike<number>,
): Float64Array {
  const { outputs: K, inputs: D, terms } = map;
  const n = features.length / D;
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const xo = i * D;
    const zo = i * K;
    for (const t of terms) {
      out[zo + t.k] += theta[t.param] * (t.d < 0 ? 1 : features[xo + t.d]);
    }
  }
  return out;
}

/** Mean NLL of softmax(map(θ, x)) and its gradient with respect to θ (written into `gradient`). */
export function affineNll(
  map: AffineMap,
  theta: Float64Array,
  features: ArrayLike<number>,
  labels: ArrayLike<number>,
  gradient: Float64Array,
): number {
  const { outputs: K, inputs: D, terms } = map;
  const n = labels.length;
  const z = applyAffineMap(map, theta, features);
  gradient.fill(0);
  const g = new Float64Array(K);
  let nll = 0;
  for (let i = 0; i < n; i++) {
    const zo = i * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, z[zo + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) {
      g[k] = Math.exp(z[zo + k] - max);
      sum += g[k];
    }
    const y = labels[i];
    nll += max + Math.log(sum) - z[zo + y];
    for (let k = 0; k < K; k++) g[k] /= sum;
    g[y] -= 1;
    const xo = i * D;
    for (const t of terms) {
      gradient[t.param] += g[t.k] * (t.d < 0 ? 1 : features[xo + t.d]);
    }
  }
  for (let j = 0; j < gradient.length; j++) gradient[j] /= n;
  return nll / n;
}

export interface FitResult {
  theta: Float64Array;
  /** Mean NLL (without the penalty) at the start and at the end. */
  nllBefore: number;
  nllAfter: number;
  iterations: number;
}

/**
 * Minimises mean NLL + penalty over θ from `initial` with L-BFGS (memory 10). Stops when the
 * gradient's largest entry is below 1e-9, the objective stops moving (relative 1e-14), or after
 * `maxIterations`.
 */
export function fitAffineMap(
  map: AffineMap,
  features: ArrayLike<number>,
  labels: ArrayLike<number>,
  initial: ArrayLike<number>,
  options: { penalty?: Penalty; maxIterations?: number } = {},
): FitResult {
  const P = map.parameterCount;
  const maxIterations = options.maxIterations ?? 1000;
  const penaltyGrad = new Float64Array(P);
  const evaluate = (theta: Float64Array, gradient: Float64Array): number => {
    let value = affineNll(map, theta, features, labels, gradient);
    if (options.penalty) {
      penaltyGrad.fill(0);
      value += options.penalty(theta, penaltyGrad);
      for (let j = 0; j < P; j++) gradient[j] += penaltyGrad[j];
    }
    return value;
  };
  let theta = Float64Array.from(initial);
  let grad = new Float64Array(P);
  const nllBefore = affineNll(map, theta, features, labels, new Float64Array(P));
  let value = evaluate(theta, grad);
  const memory = 10;
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let j = 0; j < a.length; j++) s += a[j] * b[j];
    return s;
  };
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let gmax = 0;
    for (let j = 0; j < P; j++) gmax = Math.max(gmax, Math.abs(grad[j]));
    if (gmax < 1e-9) break;
    // Two-loop recursion: direction = -H grad.
    const q = Float64Array.from(grad);
    const alphas: number[] = [];
    for (let m = sList.length - 1; m >= 0; m--) {
      const rho = 1 / dot(yList[m], sList[m]);
      const a = rho * dot(sList[m], q);
      alphas[m] = a;
      for (let j = 0; j < P; j++) q[j] -= a * yList[m][j];
    }
    if (sList.length > 0) {
      const last = sList.length - 1;
      const gamma = dot(sList[last], yList[last]) / dot(yList[last], yList[last]);
      for (let j = 0; j < P; j++) q[j] *= gamma;
    }
    for (let m = 0; m < sList.length; m++) {
      const rho = 1 / dot(yList[m], sList[m]);
      const b = rho * dot(yList[m], q);
      for (let j = 0; j < P; j++) q[j] += sList[m][j] * (alphas[m] - b);
    }
    const direction = q.map((v) => -v);
    let slope = dot(direction, grad);
    if (!(slope < 0)) {
      // Not a descent direction: restart from steepest descent.
      sList.length = 0;
      yList.length = 0;
      for (let j = 0; j < P; j++) direction[j] = -grad[j];
      slope = dot(direction, grad);
    }
    let step = sList.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    const nextTheta = new Float64Array(P);
    const nextGrad = new Float64Array(P);
    let nextValue = Infinity;
    let accepted = false;
    for (let tries = 0; tries < 60; tries++) {
      for (let j = 0; j < P; j++) nextTheta[j] = theta[j] + step * direction[j];
      nextValue = evaluate(nextTheta, nextGrad);
      if (Number.isFinite(nextValue) && nextValue <= value + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
    const s = new Float64Array(P);
    const y = new Float64Array(P);
    for (let j = 0; j < P; j++) {
      s[j] = nextTheta[j] - theta[j];
      y[j] = nextGrad[j] - grad[j];
    }
    if (dot(s, y) > 1e-12) {
      sList.push(s);
      yList.push(y);
      if (sList.length > memory) {
        sList.shift();
        yList.shift();
      }
    }
    const moved = Math.abs(value - nextValue) <= 1e-14 * Math.max(1, Math.abs(value));
    theta = nextTheta;
    grad = nextGrad;
    value = nextValue;
    if (moved) {
      iterations++;
      break;
    }
  }
  return {
    theta,
    nllBefore,
    nllAfter: affineNll(map, theta, features, labels, new Float64Array(P)),
    iterations,
  };
}

/** Terms of z'_k = w_k x_k + b_k (vector scaling). */
export function diagonalMap(K: number, bias: boolean): AffineMap {
  const terms: MapTerm[] = [];
  for (let k = 0; k < K; k++) terms.push({ k, d: k, param: k });
  if (bias) for (let k = 0; k < K; k++) terms.push({ k, d: -1, param: K + k });
  return { outputs: K, inputs: K, terms, parameterCount: bias ? 2 * K : K };
}

/** Terms of z' = W x + b with W K × K, parameters row-major W then b (matrix scaling, Dirichlet). */
export function fullMap(K: number): AffineMap {
  const terms: MapTerm[] = [];
  for (let k = 0; k < K; k++) {
    for (let d = 0; d < K; d++) terms.push({ k, d, param: k * K + d });
  }
  for (let k = 0; k < K; k++) terms.push({ k, d: -1, param: K * K + k });
  return { outputs: K, inputs: K, terms, parameterCount: K * K + K };
}

/** Identity start of a full map: W = I, b = 0. */
export function identityFull(K: number): Float64Array {
  const theta = new Float64Array(K * K + K);
  for (let k = 0; k < K; k++) theta[k * K + k] = 1;
  return theta;
}

/**
 * ODIR (Kull et al. 2019): λ/(K(K − 1)) Σ_{i≠j} w_ij² + μ/K Σ_j b_j², for a full map. The diagonal
 * is not penalised, so the map is pulled towards vector scaling, not towards the identity.
 */
export function odirPenalty(K: number, lambda: number, mu: number): Penalty {
  const off = K > 1 ? lambda / (K * (K - 1)) : 0;
  const bias = mu / K;
  return (theta, gradient) => {
    let value = 0;
    for (let k = 0; k < K; k++) {
      for (let d = 0; d < K; d++) {
        if (d === k) continue;
        const w = theta[k * K + d];
        value += off * w * w;
        gradient[k * K + d] += 2 * off * w;
      }
      const b = theta[K * K + k];
      value += bias * b * b;
      gradient[K * K + k] += 2 * bias * b;
    }
    return value;
  };
}
