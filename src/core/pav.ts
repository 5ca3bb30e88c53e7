/**
 * Pool-adjacent-violators (PAV): the isotonic (non-decreasing) least-squares fit of y on x, as
 * scikit-learn's `IsotonicRegression` computes it. Equal x values are pooled first (their y
 * averaged with their weights), so the fit is a function of x. Used by isotonic calibration and by
 * the CORP reliability diagram (Dimitriadis, Gneiting & Jordan, PNAS 2021).
 */

export interface IsotonicFit {
  /** Distinct x values, ascending. */
  x: Float64Array;
  /** The fitted non-decreasing value at each x. */
  y: Float64Array;
  /** Total weight (sample count) at each x. */
  weight: Float64Array;
}

/** The isotonic fit of y on x (weights default to 1). */
export function isotonicFit(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  weights?: ArrayLike<number>,
): IsotonicFit {
  const n = x.length;
  if (y.length !== n) throw new RangeError(`x has ${n} values, y has ${y.length}`);
  if (n === 0) throw new RangeError('no points to fit an isotonic regression on');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
  // Pool equal x.
  const ux: number[] = [];
  const uy: number[] = [];
  const uw: number[] = [];
  for (const i of order) {
    const w = weights ? weights[i] : 1;
    const last = ux.length - 1;
    if (last >= 0 && ux[last] === x[i]) {
      uy[last] += w * y[i];
      uw[last] += w;
    } else {
      ux.push(x[i]);
      uy.push(w * y[i]);
      uw.push(w);
    }
  }
  const m = ux.length;
  for (let j = 0; j < m; j++) uy[j] /= uw[j];
  const fitted = pavPooled(uy, uw);
  return { x: Float64Array.from(ux), y: fitted, weight: Float64Array.from(uw) };
}

/**
 * The fit at new points: linear between the fitted x values, constant beyond the ends
 * (scikit-learn's `out_of_bounds='clip'`, `np.interp`).
 */
export function isotonicPredict(
  fit: { x: ArrayLike<number>; y: ArrayLike<number> },
  t: number,
): number {
  const { x, y } = fit;
  const m = x.length;
  if (t <= x[0]) return y[0];
  if (t >= x[m - 1]) return y[m - 1];
  let lo = 0;
  let hi = m - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= t) lo = mid;
    else hi = mid;
  }
  if (x[lo] === t) return y[lo];
  const f = (t - x[lo]) / (x[hi] - x[lo]);
  return y[lo] + f * (y[hi] - y[lo]);
}

/**
 * PAV on values already pooled by distinct ascending x: `mean[j]` with weight `weight[j]`. Returns
 * the fitted non-decreasing value per j (written into `out` when given). O(m).
 */
export function pavPooled(
  mean: ArrayLike<number>,
  weight: ArrayLike<number>,
  out: Float64Array = new Float64Array(mean.length),
): Float64Array {
  const m = mean.length;
  const bMean = new Float64Array(m);
  const bWeight = new Float64Array(m);
  const bSpan = new Int32Array(m);
  let top = -1;
  for (let j = 0; j < m; j++) {
    top++;
    bMean[top] = mean[j];
    bWeight[top] = weight[j];
    bSpan[top] = 1;
    while (top > 0 && bMean[top - 1] > bMean[top]) {
      const w = bWeight[top - 1] + bWeight[top];
      bMean[top - 1] = (bMean[top - 1] * bWeight[top - 1] + bMean[top] * bWeight[top]) / w;
      bWeight[top - 1] = w;
      bSpan[top - 1] += bSpan[top];
      top--;
    }
  }
  for (let b = 0, j = 0; b <= top; b++) {
    for (let s = 0; s < bSpan[b]; s++) out[j++] = bMean[b];
  }
  return out;
}

/**
 * Reusable scratch space for `pavInto` (the CORP band refits PAV a thousand times on the same
 * pooled x: allocating its stacks once saves most of a refit's time).
 */
export interface PavScratch {
  mean: Float64Array;
  weight: Float64Array;
  span: Int32Array;
}

export function pavScratch(m: number): PavScratch {
  return { mean: new Float64Array(m), weight: new Float64Array(m), span: new Int32Array(m) };
}

/**
 * `pavPooled` on pooled sums instead of means (`sum[j]` / `weight[j]` is the mean at x_j), with
 * the stacks in `scratch`: the same fit, no allocation, O(m). Writes the fit at every j into
 * `out`, or, with `at` (ascending indices), only the fit at those: `out[t]` is the fit at `at[t]`.
 */
export function pavInto(
  sum: ArrayLike<number>,
  weight: ArrayLike<number>,
  out: Float64Array,
  scratch: PavScratch,
  at?: Int32Array,
): Float64Array {
  const m = sum.length;
  const bMean = scratch.mean;
  const bWeight = scratch.weight;
  const bSpan = scratch.span;
  let top = -1;
  for (let j = 0; j < m; j++) {
    let w = weight[j];
    let mean = sum[j] / w;
    let span = 1;
    // Merge with the blocks below while they violate the order (kept in locals until placed).
    while (top >= 0 && bMean[top] > mean) {
      const merged = bWeight[top] + w;
      mean = (bMean[top] * bWeight[top] + mean * w) / merged;
      w = merged;
      span += bSpan[top];
      top--;
    }
    top++;
    bMean[top] = mean;
    bWeight[top] = w;
    bSpan[top] = span;
  }
  if (at) {
    // Walk the blocks once, picking the fit at each asked index.
    for (let b = 0, first = 0, t = 0; b <= top && t < at.length; b++) {
      const end = first + bSpan[b];
      while (t < at.length && at[t] < end) out[t++] = bMean[b];
      first = end;
    }
    return out;
  }
  for (let b = 0, j = 0; b <= top; b++) {
    const value = bMean[b];
    for (let s = 0, end = bSpan[b]; s < end; s++) out[j++] = value;
  }
  return out;
}
