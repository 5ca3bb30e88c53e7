/**
 * Two metrics as the reference libraries compute them, where their conventions differ from this
 * project's (the JSON carries both, so a user checking a number with the library finds it):
 *
 * - `relplotSmoothEce`: relplot 1.0.3's `smECE(f, y)` (Błasiok & Nakkiran 2023, Apple's
 *   implementation), ported line by line: residuals split onto a grid of E = max(2000,
 *   round(20/σ)) // 2 + 1 nodes, convolved with a Gaussian after mirroring the grid at both ends
 *   (an end node is not doubled, unlike this project's `smoothEce`), interpolated at
 *   max(round(10/σ), 200) points, |smoothed residual| averaged with the smoothed density (+1e-4);
 *   σ from relplot's 10-step bisection `search_param`. Confidences near 1 (most of a good model's)
 *   weigh less there than here, so the two differ most for confident models.
 * - `netcalAce`: netcal 1.4's `ACE(bins)`: top-label confidence, equal-width bins ([a, b), the last
 *   closed), the UNWEIGHTED mean of |accuracy − confidence| over non-empty bins (Neumann et al.
 *   2018). Not this project's "adaptive ECE" (equal-mass bins, weighted: AdaECE, Mukhoti et al.
 *   2020) and not Nixon et al.'s classwise ACE.
 */
import { equalWidthBinIndex } from './binning';

/** Python's round(): halves to even. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** y null: every y is 1 (the density). */
function roundToGrid(
  f: ArrayLike<number>,
  y: ArrayLike<number> | null,
  nodes: number,
): Float64Array {
  const values = new Float64Array(nodes);
  for (let i = 0; i < f.length; i++) {
    const scaled = f[i] * (nodes - 1);
    const bin = Math.min(Math.max(Math.trunc(scaled), 0), nodes - 2);
    const frac = scaled - bin;
    const weight = y ? y[i] : 1;
    values[bin] += (1 - frac) * weight;
    values[bin + 1] += frac * weight;
  }
  return values;
}

/** relplot's ReflectedGaussianKernel.apply: smoothed grid values interpolated at `at`. */
function reflectedApply(
  f: ArrayLike<number>,
  y: ArrayLike<number> | null,
  at: Float64Array,
  sigma: number,
  grids?: Map<number, Float64Array>,
): Float64Array {
  const nodes = Math.floor(Math.max(2000, pyRound(20 / sigma)) / 2) + 1;
  const values = grids?.get(nodes) ?? roundToGrid(f, y, nodes);
  grids?.set(nodes, values);
  const kernel = new Float64Array(nodes);
  for (let j = 0; j < nodes; j++) {
    const t = nodes === 1 ? 0 : j / (nodes - 1);
    kernel[j] =
      Math.exp(-((t - 0.5) * (t - 0.5)) / (2 * sigma * sigma)) / (Math.sqrt(2 * Math.PI) * sigma);
  }
  // [flip(values)[:-1], values, flip(values)[1:]]
  const ext = new Float64Array(3 * nodes - 2);
  for (let j = 0; j < nodes - 1; j++) ext[j] = values[nodes - 1 - j];
  for (let j = 0; j < nodes; j++) ext[nodes - 1 + j] = values[j];
  for (let j = 1; j < nodes; j++) ext[2 * nodes - 2 + j] = values[nodes - 1 - j];
  // np.convolve(ext, kernel, 'valid')[nodes // 2 : nodes // 2 + nodes]
  const start = Math.floor(nodes / 2);
  const smoothed = new Float64Array(nodes);
  for (let s = 0; s < nodes; s++) {
    const m = start + s;
    let sum = 0;
    for (let j = 0; j < nodes; j++) sum += kernel[j] * ext[m + nodes - 1 - j];
    smoothed[s] = sum;
  }
  // interpolate(at, smoothed)
  const out = new Float64Array(at.length);
  const size = 1 / (nodes - 1);
  for (let i = 0; i < at.length; i++) {
    const ind = Math.min(Math.max(Math.trunc(at[i] * (nodes - 1)), 0), nodes - 2);
    const residual = (at[i] - ind * size) / size;
    out[i] = smoothed[ind] * (1 - residual) + smoothed[ind + 1] * residual;
  }
  return out;
}

/** relplot's smooth_ece(f, y, σ) with its default (reflected Gaussian) kernel. */
export function relplotSmoothEceAt(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number | boolean>,
  sigma: number,
  cache?: RelplotGrids,
): number {
  const points = Math.max(pyRound(10 / sigma), 200);
  const at = new Float64Array(points);
  for (let j = 0; j < points; j++) at[j] = points === 1 ? 0 : j / (points - 1);
  const residual = cache?.residualInput ?? relplotResiduals(confidence, correct);
  if (cache) cache.residualInput = residual;
  const ys = reflectedApply(confidence, residual, at, sigma, cache?.residual);
  const density = reflectedApply(confidence, null, at, sigma, cache?.density);
  let num = 0;
  let den = 0;
  for (let j = 0; j < points; j++) {
    const d = density[j] + 0.0001;
    num += Math.abs(ys[j] / d) * d;
    den += d;
  }
  return num / den;
}

/**
 * What the evaluations of one search share: the per-sample residuals, and the gridded
 * sums per grid size (the same sums in the same order as computing them again; every σ above
 * 0.01 uses 1,001 nodes), so that the search reads the samples a few times rather than 22.
 */
interface RelplotGrids {
  residualInput?: Float64Array;
  residual: Map<number, Float64Array>;
  density: Map<number, Float64Array>;
}

function relplotResiduals(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number | boolean>,
): Float64Array {
  const n = confidence.length;
  const residual = new Float64Array(n);
  for (let i = 0; i < n; i++) residual[i] = confidence[i] - (correct[i] ? 1 : 0);
  return residual;
}

/** relplot's smECE(f, y): the bandwidth by its search_param bisection, and the value there. */
export function relplotSmoothEce(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number | boolean>,
): { value: number; bandwidth: number } {
  if (confidence.length === 0) throw new RangeError('no samples for smooth ECE');
  const cache: RelplotGrids = { residual: new Map(), density: new Map() };
  const check = (alpha: number) =>
    alpha < 0.001 || alpha < relplotSmoothEceAt(confidence, correct, alpha, cache);
  let bandwidth: number;
  if (check(1)) bandwidth = 1;
  else {
    let start = 1;
    let end = 0;
    for (let r = 0; r < 10; r++) {
      const mid = (start + end) / 2;
      if (check(mid)) end = mid;
      else start = mid;
    }
    bandwidth = start;
  }
  return { value: relplotSmoothEceAt(confidence, correct, bandwidth, cache), bandwidth };
}

/** netcal's ACE(bins): unweighted mean |accuracy − confidence| over non-empty equal-width bins. */
export function netcalAce(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number | boolean>,
  bins: number,
): number {
  const count = new Float64Array(bins);
  const conf = new Float64Array(bins);
  const acc = new Float64Array(bins);
  for (let i = 0; i < confidence.length; i++) {
    const b = equalWidthBinIndex(confidence[i], bins);
    count[b] += 1;
    conf[b] += confidence[i];
    acc[b] += correct[i] ? 1 : 0;
  }
  let sum = 0;
  let used = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    sum += Math.abs(acc[b] / count[b] - conf[b] / count[b]);
    used++;
  }
  return used === 0 ? NaN : sum / used;
}
