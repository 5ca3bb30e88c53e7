/**
 * Smooth ECE (Blasiok & Nakkiran 2023; Apple's relplot `smECE`).
 *
 * With residuals r_i = f_i − y_i of top-label confidence f and correctness y,
 *   smECE_σ = ∫_0^1 |(1/n) Σ_i K_σ(t, f_i) r_i| dt,
 * K_σ the Gaussian kernel reflected at 0 and 1 (the density on [0, 1] of f_i + N(0, σ²) folded
 * back into the interval), and the reported value is smECE at the fixed point smECE_σ* = σ*.
 *
 * Residuals are split linearly between the two neighbouring nodes of a uniform grid, as relplot
 * does, and the smoothed residual is integrated with the trapezoid rule on that grid. Unlike
 * relplot 1.0.3, a residual on an end node gets its mirror image too (relplot drops it, halving
 * the weight of confidences within one grid step of 0 or 1), and the kernel is neither cut at
 * ±0.5 nor reflected only once, which matters for large σ. Elsewhere the two agree to about
 * 1e-3 (see the tests).
 */

/** Kernel taps beyond this many σ are dropped (relative weight below 2e-8). */
const CUTOFF_SIGMAS = 6;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Smallest bandwidth searched, as in relplot. */
export const MIN_BANDWIDTH = 0.001;

/** Residual mass (divided by n) on the nodes t_j = j / intervals, j = 0..intervals. */
export function residualGrid(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  intervals: number,
): Float64Array {
  const grid = new Float64Array(intervals + 1);
  const n = confidence.length;
  for (let i = 0; i < n; i++) {
    const x = Math.min(Math.max(confidence[i], 0), 1) * intervals;
    const j = Math.min(Math.floor(x), intervals - 1);
    const frac = x - j;
    const r = (confidence[i] - correct[i]) / n;
    grid[j] += r * (1 - frac);
    grid[j + 1] += r * frac;
  }
  return grid;
}

/** Reusable buffers for smoothedResidualL1. */
export class SmoothingScratch {
  taps = new Float64Array(0);
  extended = new Float64Array(0);

  ensure(tapCount: number, extendedLength: number): void {
    if (this.taps.length < tapCount) this.taps = new Float64Array(tapCount);
    if (this.extended.length < extendedLength) this.extended = new Float64Array(extendedLength);
  }
}

/** ∫_0^1 |Σ_j grid_j K_σ(t, t_j)| dt for residual masses on a uniform grid. */
export function smoothedResidualL1(
  grid: Float64Array,
  sigma: number,
  scratch: SmoothingScratch = new SmoothingScratch(),
): number {
  const intervals = grid.length - 1;
  const h = 1 / intervals;
  const width = Math.max(1, Math.ceil((CUTOFF_SIGMAS * sigma) / h));
  const length = intervals + 1 + 2 * width;
  scratch.ensure(width + 1, length);
  const taps = scratch.taps;
  const ext = scratch.extended;
  const norm = INV_SQRT_2PI / sigma;
  const scale = (h * h) / (2 * sigma * sigma);
  for (let d = 0; d <= width; d++) taps[d] = norm * Math.exp(-d * d * scale);
  // The reflected field on the line: node u carries grid[fold(u)], doubled where a node is its
  // own mirror image (u ≡ 0 or ≡ intervals modulo the period 2·intervals).
  const period = 2 * intervals;
  for (let p = 0; p < length; p++) {
    let u = (p - width) % period;
    if (u < 0) u += period;
    if (u > intervals) u = period - u;
    ext[p] = u === 0 || u === intervals ? 2 * grid[u] : grid[u];
  }
  let sum = 0;
  const t0 = taps[0];
  for (let t = 0; t <= intervals; t++) {
    const c = t + width;
    let s = t0 * ext[c];
    for (let d = 1; d <= width; d++) s += taps[d] * (ext[c - d] + ext[c + d]);
    const a = Math.abs(s);
    sum += t === 0 || t === intervals ? 0.5 * a : a;
  }
  return sum * h;
}

/**
 * Grid used for the full-data search: at least 20 intervals per σ, as relplot, in steps of
 * 200·2^j so that a few residual grids serve the whole search.
 */
export function searchGridIntervals(sigma: number): number {
  let intervals = 200;
  while (intervals * sigma < 20) intervals *= 2;
  return intervals;
}

/** smECE at a given bandwidth σ, on a grid of at least 20 intervals per σ. */
export function smoothEceAtBandwidth(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  sigma: number,
): number {
  if (confidence.length === 0) return NaN;
  return smoothedResidualL1(residualGrid(confidence, correct, searchGridIntervals(sigma)), sigma);
}

/**
 * Relplot's search for the fixed point: σ = 1 if even σ = 1 is below smECE_1, otherwise
 * bisection on [0, 1] keeping the side where σ >= smECE_σ (a σ below MIN_BANDWIDTH counts as
 * too small). More halvings than relplot's 10 make the result stable to about 1e-6.
 */
export function fixedPointBandwidth(evaluate: (sigma: number) => number, halvings = 22): number {
  const tooSmall = (sigma: number): boolean => sigma < MIN_BANDWIDTH || sigma < evaluate(sigma);
  if (tooSmall(1)) return 1;
  let hi = 1;
  let lo = 0;
  for (let step = 0; step < halvings; step++) {
    const mid = (hi + lo) / 2;
    if (tooSmall(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Smooth ECE with its fixed-point bandwidth. */
export function smoothEce(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
): { value: number; bandwidth: number } {
  if (confidence.length === 0) return { value: NaN, bandwidth: NaN };
  // One pass over the samples for the finest grid the search can need; coarser grids follow
  // from it exactly (a coarse hat function is ½, 1, ½ of the fine ones around its node).
  const grids = new Map<number, Float64Array>();
  const finest = searchGridIntervals(MIN_BANDWIDTH);
  grids.set(finest, residualGrid(confidence, correct, finest));
  const gridFor = (intervals: number): Float64Array => {
    let grid = grids.get(intervals);
    if (!grid) {
      grid = halveGrid(gridFor(intervals * 2));
      grids.set(intervals, grid);
    }
    return grid;
  };
  const scratch = new SmoothingScratch();
  const evaluate = (sigma: number): number =>
    smoothedResidualL1(gridFor(searchGridIntervals(sigma)), sigma, scratch);
  const bandwidth = fixedPointBandwidth(evaluate);
  return { value: evaluate(bandwidth), bandwidth };
}

/** The residual grid with half the intervals, from a grid with an even number of them. */
export function halveGrid(fine: Float64Array): Float64Array {
  const intervals = (fine.length - 1) / 2;
  const coarse = new Float64Array(intervals + 1);
  for (let m = 0; m <= intervals; m++) {
    const left = m > 0 ? fine[2 * m - 1] : 0;
    const right = m < intervals ? fine[2 * m + 1] : 0;
    coarse[m] = fine[2 * m] + 0.5 * (left + right);
  }
  return coarse;
}

/**
 * Fixed point of smECE_σ = σ near a guess, for bootstrap resamples. Secant steps on
 * g(σ) = smECE_σ − σ from the guess and smECE_guess usually land within `tolerance` in two or
 * three evaluations, since smECE_σ changes slowly with σ; otherwise (or if a step leaves
 * [MIN_BANDWIDTH, 1]) a bracket around the guess is narrowed by Illinois regula falsi to a
 * width below `tolerance`, returning smECE at its upper end (σ >= smECE_σ) like relplot.
 */
export function fixedPointNear(
  evaluate: (sigma: number) => number,
  guess: number,
  tolerance: number,
): { value: number; bandwidth: number } {
  let s0 = guess;
  let e0 = evaluate(s0);
  if (Math.abs(e0 - s0) <= tolerance) return { value: e0, bandwidth: s0 };
  let s1 = e0;
  for (let step = 0; step < 4 && s1 >= MIN_BANDWIDTH && s1 <= 1; step++) {
    const e1 = evaluate(s1);
    const g1 = e1 - s1;
    if (Math.abs(g1) <= tolerance) return { value: e1, bandwidth: s1 };
    const g0 = e0 - s0;
    const next = g1 === g0 ? NaN : s1 - (g1 * (s1 - s0)) / (g1 - g0);
    s0 = s1;
    e0 = e1;
    s1 = next;
  }
  return bracketFixedPoint(evaluate, guess, tolerance);
}

function bracketFixedPoint(
  evaluate: (sigma: number) => number,
  guess: number,
  tolerance: number,
): { value: number; bandwidth: number } {
  const excess = (sigma: number): number => evaluate(sigma) - sigma;
  let lo = Math.max(guess / 1.15, MIN_BANDWIDTH);
  let hi = Math.max(Math.min(guess * 1.15, 1), lo);
  let gLo = excess(lo);
  let gHi = hi === lo ? gLo : excess(hi);
  while (gLo <= 0 && lo > MIN_BANDWIDTH) {
    hi = lo;
    gHi = gLo;
    lo = Math.max(lo / 2, MIN_BANDWIDTH);
    gLo = excess(lo);
  }
  if (gLo <= 0) return { value: gLo + lo, bandwidth: lo };
  while (gHi > 0 && hi < 1) {
    lo = hi;
    gLo = gHi;
    hi = Math.min(hi * 2, 1);
    gHi = excess(hi);
  }
  if (gHi > 0) return { value: gHi + hi, bandwidth: hi };
  let valueHi = gHi + hi;
  let side = 0;
  for (let step = 0; step < 60 && hi - lo > tolerance; step++) {
    let sigma = (lo * gHi - hi * gLo) / (gHi - gLo);
    if (!(sigma > lo && sigma < hi)) sigma = (lo + hi) / 2;
    const g = excess(sigma);
    if (g > 0) {
      lo = sigma;
      gLo = g;
      if (side === -1) gHi /= 2;
      side = -1;
    } else {
      hi = sigma;
      gHi = g;
      valueHi = g + sigma;
      if (side === 1) gLo /= 2;
      side = 1;
    }
  }
  return { value: valueHi, bandwidth: hi };
}

/**
 * Direct O(n · points) evaluation of smECE_σ without a residual grid, summing mirror images of
 * every sample; for tests and as a reference.
 */
export function smoothEceDirect(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number>,
  sigma: number,
  points = 4001,
): number {
  const n = confidence.length;
  const h = 1 / (points - 1);
  const images = Math.ceil(CUTOFF_SIGMAS * sigma) + 1;
  let sum = 0;
  for (let j = 0; j < points; j++) {
    const t = j * h;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const f = confidence[i];
      let k = 0;
      for (let m = -images; m <= images; m++) {
        const d1 = t - f - 2 * m;
        const d2 = t + f - 2 * m;
        k +=
          Math.exp(-(d1 * d1) / (2 * sigma * sigma)) + Math.exp(-(d2 * d2) / (2 * sigma * sigma));
      }
      s += k * (f - correct[i]);
    }
    const a = Math.abs((s * INV_SQRT_2PI) / sigma / n);
    sum += j === 0 || j === points - 1 ? 0.5 * a : a;
  }
  return sum * h;
}
