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
  // PAV on blocks: each block has a mean, a weight and the number of points it spans.
  const mean: number[] = [];
  const weight: number[] = [];
  const span: number[] = [];
  for (let j = 0; j < m; j++) {
    mean.push(uy[j]);
    weight.push(uw[j]);
    span.push(1);
    while (mean.length > 1 && mean[mean.length - 2] > mean[mean.length - 1]) {
      const w2 = weight.pop()!;
      const m2 = mean.pop()!;
      const s2 = span.pop()!;
      const b = mean.length - 1;
      const w = weight[b] + w2;
      mean[b] = (mean[b] * weight[b] + m2 * w2) / w;
      weight[b] = w;
      span[b] += s2;
    }
  }
  const fitted = new Float64Array(m);
  for (let b = 0, j = 0; b < mean.length; b++) {
    for (let s = 0; s < span[b]; s++) fitted[j++] = mean[b];
  }
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
