/**
 * The one NLL-fitting helper every scaling calibrator shares (netcal: `TemperatureScaling`,
 * `LogisticCalibration`, `Dirichlet` are one logistic model with different parameter ties).
 *
 * A map sends features x_i (D numbers per sample: logits, log-probabilities or a logit difference)
 * to new logits z'_ik = Σ_terms θ_j · x_id (a term with d = -1 is a bias, x = 1). Parameters may be
 * shared by several terms (temperature: one β on every diagonal term). The mean NLL of
 * softmax(z'), plus an optional quadratic penalty, is convex in θ and minimised by Newton's method
 * (`fitAffineMap`).
 */

/** θ[param] multiplies feature d (-1: the constant 1) in output logit k. */
export interface MapTerm {
  k: number;
  d: number;
  param: number;
}

export interface AffineMap {
  /**
   * Set by `fullMap`: z' = W x + b with every weight free, whose Hessian has a Kronecker
   * structure that `fullMapNllWithHessian` exploits.
   */
  full?: boolean;
  /** Output classes K. */
  outputs: number;
  /** Features per sample D. */
  inputs: number;
  terms: MapTerm[];
  parameterCount: number;
}

/** A quadratic penalty: its value (gradient added into `gradient`) and its constant Hessian diagonal. */
export interface Penalty {
  value(theta: Float64Array, gradient: Float64Array): number;
  hessianDiagonal: Float64Array;
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
 * Mean NLL, gradient and Hessian of softmax(map(θ, x)). The Hessian is
 * (1/n) Σ_i J_iᵀ (diag p_i − p_i p_iᵀ) J_i with J_i = ∂z'_i/∂θ, accumulated over pairs of terms.
 */
function nllWithHessian(
  map: AffineMap,
  theta: Float64Array,
  features: ArrayLike<number>,
  labels: ArrayLike<number>,
  gradient: Float64Array,
  hessian: Float64Array,
): number {
  const { outputs: K, inputs: D, terms, parameterCount: P } = map;
  const n = labels.length;
  const z = applyAffineMap(map, theta, features);
  gradient.fill(0);
  hessian.fill(0);
  const T = terms.length;
  const tk = Int32Array.from(terms, (t) => t.k);
  const td = Int32Array.from(terms, (t) => t.d);
  const tp = Int32Array.from(terms, (t) => t.param);
  const p = new Float64Array(K);
  const S = new Float64Array(K * K);
  const value = new Float64Array(T);
  // Pairs a < b go to `upper` (added with its transpose at the end), a = b to the Hessian.
  const upper = new Float64Array(P * P);
  let nll = 0;
  for (let i = 0; i < n; i++) {
    const zo = i * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, z[zo + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) {
      p[k] = Math.exp(z[zo + k] - max);
      sum += p[k];
    }
    for (let k = 0; k < K; k++) p[k] /= sum;
    for (let k = 0; k < K; k++) {
      for (let l = 0; l < K; l++) S[k * K + l] = (k === l ? p[k] : 0) - p[k] * p[l];
    }
    const y = labels[i];
    nll += max + Math.log(sum) - z[zo + y];
    const xo = i * D;
    for (let a = 0; a < T; a++) {
      value[a] = td[a] < 0 ? 1 : features[xo + td[a]];
      gradient[tp[a]] += (p[tk[a]] - (tk[a] === y ? 1 : 0)) * value[a];
    }
    for (let a = 0; a < T; a++) {
      const va = value[a];
      if (va === 0) continue;
      const sRow = tk[a] * K;
      const row = tp[a] * P;
      hessian[row + tp[a]] += S[sRow + tk[a]] * va * va;
      for (let b = a + 1; b < T; b++) {
        upper[row + tp[b]] += S[sRow + tk[b]] * va * value[b];
      }
    }
  }
  for (let r = 0; r < P; r++) {
    for (let c = 0; c < P; c++) hessian[r * P + c] += upper[r * P + c] + upper[c * P + r];
  }
  for (let j = 0; j < P; j++) gradient[j] /= n;
  for (let j = 0; j < P * P; j++) hessian[j] /= n;
  return nll / n;
}

/** Solves (H + δI) x = b by Cholesky, raising δ until H + δI is positive definite. */
function solveDamped(H: Float64Array, b: Float64Array, P: number): Float64Array {
  let maxDiag = 0;
  for (let j = 0; j < P; j++) maxDiag = Math.max(maxDiag, Math.abs(H[j * P + j]));
  let delta = 1e-12 * Math.max(maxDiag, 1e-12);
  const L = new Float64Array(P * P);
  for (let attempt = 0; attempt < 40; attempt++, delta *= 10) {
    let ok = true;
    for (let i = 0; i < P && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let sum = H[i * P + j] + (i === j ? delta : 0);
        for (let k = 0; k < j; k++) sum -= L[i * P + k] * L[j * P + k];
        if (i === j) {
          if (!(sum > 0)) {
            ok = false;
            break;
          }
          L[i * P + i] = Math.sqrt(sum);
        } else {
          L[i * P + j] = sum / L[j * P + j];
        }
      }
    }
    if (!ok) continue;
    const y = new Float64Array(P);
    for (let i = 0; i < P; i++) {
      let sum = b[i];
      for (let k = 0; k < i; k++) sum -= L[i * P + k] * y[k];
      y[i] = sum / L[i * P + i];
    }
    const x = new Float64Array(P);
    for (let i = P - 1; i >= 0; i--) {
      let sum = y[i];
      for (let k = i + 1; k < P; k++) sum -= L[k * P + i] * x[k];
      x[i] = sum / L[i * P + i];
    }
    return x;
  }
  throw new Error('the NLL Hessian could not be factorised');
}

/**
 * Minimises mean NLL + penalty over θ from `initial` by Newton's method (exact Hessian, a tiny
 * damping where it is singular, e.g. the shift of every bias that softmax ignores) with a
 * backtracking line search. The objective is convex, so this reaches its minimum to machine
 * precision in a few dozen steps: the gradient's largest entry falls below 1e-10, or the
 * objective stops moving.
 */
export function fitAffineMap(
  map: AffineMap,
  features: ArrayLike<number>,
  labels: ArrayLike<number>,
  initial: ArrayLike<number>,
  options: { penalty?: Penalty; maxIterations?: number; gradientTolerance?: number } = {},
): FitResult {
  const P = map.parameterCount;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.gradientTolerance ?? 1e-10;
  const gradient = new Float64Array(P);
  const hessian = new Float64Array(P * P);
  const scratch = new Float64Array(P);
  const nll = (theta: Float64Array): number =>
    map.full
      ? fullMapNll(map.outputs, theta, features, labels, scratch)
      : affineNll(map, theta, features, labels, scratch);
  const objective = (theta: Float64Array): number => {
    let value = nll(theta);
    if (options.penalty) value += options.penalty.value(theta, new Float64Array(P));
    return value;
  };
  let theta = Float64Array.from(initial);
  const nllBefore = nll(theta);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let value = map.full
      ? fullMapNllWithHessian(map.outputs, theta, features, labels, gradient, hessian)
      : nllWithHessian(map, theta, features, labels, gradient, hessian);
    if (options.penalty) {
      value += options.penalty.value(theta, gradient);
      const diagonal = options.penalty.hessianDiagonal;
      for (let j = 0; j < P; j++) hessian[j * P + j] += diagonal[j];
    }
    let gmax = 0;
    for (let j = 0; j < P; j++) gmax = Math.max(gmax, Math.abs(gradient[j]));
    if (gmax < tolerance) break;
    const step = solveDamped(
      hessian,
      gradient.map((g) => -g),
      P,
    );
    let slope = 0;
    for (let j = 0; j < P; j++) slope += step[j] * gradient[j];
    let t = 1;
    let next: Float64Array<ArrayBuffer> | null = null;
    let nextValue = value;
    for (let tries = 0; tries < 60; tries++, t /= 2) {
      const candidate = theta.map((v, j) => v + t * step[j]);
      const candidateValue = objective(candidate);
      if (Number.isFinite(candidateValue) && candidateValue <= value + 1e-4 * t * slope) {
        next = candidate;
        nextValue = candidateValue;
        break;
      }
    }
    if (!next) break;
    theta = next;
    if (value - nextValue <= 1e-16 * Math.max(1, Math.abs(value)) && gmax < 1e-7) {
      iterations++;
      break;
    }
  }
  return {
    theta,
    nllBefore,
    nllAfter: nll(theta),
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
  return { full: true, outputs: K, inputs: K, terms, parameterCount: K * K + K };
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
  const hessianDiagonal = new Float64Array(K * K + K);
  for (let k = 0; k < K; k++) {
    for (let d = 0; d < K; d++) if (d !== k) hessianDiagonal[k * K + d] = 2 * off;
    hessianDiagonal[K * K + k] = 2 * bias;
  }
  return {
    hessianDiagonal,
    value(theta, gradient) {
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
    },
  };
}

/**
 * Mean NLL of softmax(W x + b) for a full map (parameters row-major W, then b, as `fullMap`) and
 * its gradient, written into `gradient`: the same numbers as `affineNll(fullMap(K), ...)` in
 * O(n K²) typed-array loops, without the term list (the line search calls it often).
 */
export function fullMapNll(
  K: number,
  theta: Float64Array,
  features: ArrayLike<number>,
  labels: ArrayLike<number>,
  gradient: Float64Array,
): number {
  const n = labels.length;
  const bias = K * K;
  gradient.fill(0);
  const p = new Float64Array(K);
  const x = new Float64Array(K);
  let nll = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    nll += fullMapRow(K, theta, features, i, y, x, p);
    for (let k = 0; k < K; k++) {
      const g = p[k] - (k === y ? 1 : 0);
      if (g === 0) continue;
      const row = k * K;
      for (let d = 0; d < K; d++) gradient[row + d] += g * x[d];
      gradient[bias + k] += g;
    }
  }
  for (let j = 0; j < gradient.length; j++) gradient[j] /= n;
  return nll / n;
}

/**
 * One sample under a full map: copies its K features into `x[0..K)`, writes softmax(W x + b) into
 * `p` and returns −log p[y].
 */
function fullMapRow(
  K: number,
  theta: Float64Array,
  features: ArrayLike<number>,
  i: number,
  y: number,
  x: Float64Array,
  p: Float64Array,
): number {
  const bias = K * K;
  const xo = i * K;
  for (let d = 0; d < K; d++) x[d] = features[xo + d];
  let max = -Infinity;
  for (let k = 0; k < K; k++) {
    let v = theta[bias + k];
    const row = k * K;
    for (let d = 0; d < K; d++) v += theta[row + d] * x[d];
    p[k] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let k = 0; k < K; k++) {
    p[k] = Math.exp(p[k] - max);
    sum += p[k];
  }
  const nll = Math.log(sum) - Math.log(p[y]);
  for (let k = 0; k < K; k++) p[k] /= sum;
  return nll;
}

/**
 * `nllWithHessian` for a full map, using its structure: with x̃ = (x, 1), the Hessian block of
 * output rows k and l is (1/n) Σ_i S_i[k, l] x̃_i x̃_iᵀ, S_i = diag(p_i) − p_i p_iᵀ. Per sample
 * that is one outer product x̃ x̃ᵀ (upper triangle) scaled into K(K + 1)/2 blocks: about
 * K⁴/4 multiply-adds in flat typed-array loops, where the term-pair loop of `nllWithHessian`
 * does K⁴/2 through index tables. The same numbers up to rounding (tested).
 */
export function fullMapNllWithHessian(
  K: number,
  theta: Float64Array,
  features: ArrayLike<number>,
  labels: ArrayLike<number>,
  gradient: Float64Array,
  hessian: Float64Array,
): number {
  const n = labels.length;
  const D1 = K + 1;
  const block = D1 * D1;
  const P = K * K + K;
  const bias = K * K;
  // Upper-triangle positions (d <= e) of a D1 × D1 block.
  const upper: number[] = [];
  for (let d = 0; d < D1; d++) for (let e = d; e < D1; e++) upper.push(d * D1 + e);
  const U = Int32Array.from(upper);
  const acc = new Float64Array(K * K * block);
  const outer = new Float64Array(block);
  const x = new Float64Array(D1);
  x[K] = 1;
  const p = new Float64Array(K);
  gradient.fill(0);
  let nll = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    nll += fullMapRow(K, theta, features, i, y, x, p);
    for (let k = 0; k < K; k++) {
      const g = p[k] - (k === y ? 1 : 0);
      const row = k * K;
      for (let d = 0; d < K; d++) gradient[row + d] += g * x[d];
      gradient[bias + k] += g;
    }
    for (let u = 0; u < U.length; u++) {
      const at = U[u];
      outer[at] = x[(at / D1) | 0] * x[at % D1];
    }
    for (let k = 0; k < K; k++) {
      const pk = p[k];
      for (let l = k; l < K; l++) {
        const c = (k === l ? pk : 0) - pk * p[l];
        if (c === 0) continue;
        const base = (k * K + l) * block;
        for (let u = 0; u < U.length; u++) acc[base + U[u]] += c * outer[U[u]];
      }
    }
  }
  const index = (k: number, d: number) => (d < K ? k * K + d : bias + k);
  for (let k = 0; k < K; k++) {
    for (let l = k; l < K; l++) {
      const base = (k * K + l) * block;
      for (let d = 0; d < D1; d++) {
        for (let e = 0; e < D1; e++) {
          const v = acc[base + (d <= e ? d * D1 + e : e * D1 + d)] / n;
          const r = index(k, d);
          const c = index(l, e);
          hessian[r * P + c] = v;
          hessian[c * P + r] = v;
        }
      }
    }
  }
  for (let j = 0; j < P; j++) gradient[j] /= n;
  return nll / n;
}
