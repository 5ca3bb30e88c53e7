/**
 * CORP reliability diagram and score decomposition (Dimitriadis, Gneiting & Jordan, "Stable
 * reliability diagrams for probabilistic classifiers", PNAS 2021; R package reliabilitydiag) for
 * top-label confidence: the forecast is the confidence c_i, the outcome whether the prediction was
 * right. No bins: the recalibration curve is the PAV (isotonic) fit of correctness on confidence.
 *
 * Consistency band: under the hypothesis that the model is calibrated, y*_i ~ Bernoulli(c_i);
 * refitting PAV on many such draws gives, at each confidence, the range where the curve of a
 * calibrated model falls (pointwise quantiles, 90% by default as in reliabilitydiag).
 *
 * Decomposition of a proper score S (Brier (c − y)², log score −log of the probability given to
 * the outcome): with S̄ the mean score of the confidences, Ŝ that of the PAV-recalibrated
 * confidences and S̄_R that of the constant forecast r = mean(y) (the accuracy),
 * MCB = S̄ − Ŝ, DSC = S̄_R − Ŝ, UNC = S̄_R, so that S̄ = MCB − DSC + UNC. MCB >= 0 and DSC >= 0
 * because PAV minimises every proper score among non-decreasing recalibrations (the constant is
 * one of them). These are scores of the top-label (binary: right or wrong) forecast; the audit's
 * multiclass Brier score and NLL are different quantities.
 */
import { PROB_CLIP } from './metrics';
import { pavInto, pavPooled, pavScratch } from './pav';
import { quantileSorted } from './quantile';
import { Rng } from './random';

export interface CorpDecomposition {
  /** The mean score of the confidences: mcb − dsc + unc. */
  score: number;
  /** Miscalibration: the score minus that of the PAV-recalibrated confidences (>= 0). */
  mcb: number;
  /** Discrimination: the score of the constant forecast (accuracy) minus the recalibrated one (>= 0). */
  dsc: number;
  /** Uncertainty: the score of the constant forecast. */
  unc: number;
}

export interface CorpReliability {
  /**
   * The PAV recalibration curve: confidences (ascending) and the recalibrated accuracy at each;
   * the ends of every constant piece, plus points spread over the data for the band. Drawn by
   * straight lines between points.
   */
  curve: { x: number[]; y: number[] };
  /** Consistency band at the same confidences; null without resamples. */
  band: { level: number; resamples: number; lower: number[]; upper: number[] } | null;
  brier: CorpDecomposition;
  /** The log score, confidences clipped to [1e-7, 1 − 1e-7] as for NLL. */
  logScore: CorpDecomposition;
}

export interface CorpOptions {
  /**
   * Draws under calibration for the band; 0 gives no band. Default 1000; the audit passes its
   * bootstrap resamples (R reliabilitydiag's own default, `n.boot`, is 100).
   */
  resamples: number;
  /** Coverage of the band; default 0.9. */
  level: number;
  seed: number;
  /** About this many evenly spread points are kept besides the ends of the pieces; default 200. */
  points: number;
}

const brier = (p: number, y: number) => (p - y) * (p - y);
const logScore = (p: number, y: number) => {
  const q = y === 1 ? p : 1 - p;
  return q <= 0 ? Infinity : -Math.log(q);
};

/** The CORP curve, its consistency band and the decompositions of the Brier and log scores. */
export function corpReliability(
  confidence: ArrayLike<number>,
  correct: ArrayLike<number | boolean>,
  options: Partial<CorpOptions> = {},
): CorpReliability {
  const n = confidence.length;
  if (n === 0) throw new RangeError('no samples for a CORP reliability diagram');
  if (correct.length !== n) {
    throw new RangeError(`confidence has ${n} values, correctness has ${correct.length}`);
  }
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.9;
  const seed = options.seed ?? 0;
  const spread = options.points ?? 200;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => confidence[a] - confidence[b] || a - b,
  );
  // Pool equal confidences.
  const ux: number[] = [];
  const sumY: number[] = [];
  const weight: number[] = [];
  const group = new Int32Array(n);
  for (const i of order) {
    const c = confidence[i];
    const y = correct[i] ? 1 : 0;
    const last = ux.length - 1;
    if (last >= 0 && ux[last] === c) {
      sumY[last] += y;
      weight[last] += 1;
    } else {
      ux.push(c);
      sumY.push(y);
      weight.push(1);
    }
    group[i] = ux.length - 1;
  }
  const m = ux.length;
  const mean = Float64Array.from(sumY, (s, j) => s / weight[j]);
  const fitted = pavPooled(mean, weight);

  // Decompositions (sums in float64, in sample order).
  let accuracy = 0;
  for (let i = 0; i < n; i++) accuracy += correct[i] ? 1 : 0;
  accuracy /= n;
  const decompose = (score: (p: number, y: number) => number, clip: boolean) => {
    let original = 0;
    let recalibrated = 0;
    let reference = 0;
    for (let i = 0; i < n; i++) {
      const y = correct[i] ? 1 : 0;
      const c = clip ? Math.min(Math.max(confidence[i], PROB_CLIP), 1 - PROB_CLIP) : confidence[i];
      original += score(c, y);
      recalibrated += score(fitted[group[i]], y);
      reference += score(accuracy, y);
    }
    original /= n;
    recalibrated /= n;
    reference /= n;
    return {
      score: original,
      mcb: original - recalibrated,
      dsc: reference - recalibrated,
      unc: reference,
    };
  };
  const logDecomposition = decompose(logScore, true);
  // The points kept: both ends of every constant piece and about `spread` evenly spaced ones.
  const keep = new Uint8Array(m);
  keep[0] = 1;
  keep[m - 1] = 1;
  for (let j = 1; j < m; j++) {
    if (fitted[j] !== fitted[j - 1]) {
      keep[j] = 1;
      keep[j - 1] = 1;
    }
  }
  const step = Math.max(1, Math.floor(m / spread));
  for (let j = 0; j < m; j += step) keep[j] = 1;
  const kept: number[] = [];
  for (let j = 0; j < m; j++) if (keep[j]) kept.push(j);

  let band: CorpReliability['band'] = null;
  if (resamples > 0) {
    band = consistencyBand(ux, weight, group, order, kept, { resamples, level, seed });
  }

  return {
    curve: { x: kept.map((j) => ux[j]), y: kept.map((j) => fitted[j]) },
    band,
    brier: decompose(brier, false),
    logScore: logDecomposition,
  };
}

/** Samples per chunk of the thinned Bernoulli draws (sorted, so their rates are close). */
const CHUNK = 128;

/**
 * The consistency band: `resamples` draws of y*_i ~ Bernoulli(c_i), each refitted by PAV on the
 * pooled confidences (the sort is done once), and at each kept point the pointwise
 * ((1 − level)/2, (1 + level)/2) quantiles of the refits.
 *
 * Speed (100,000 samples × 1,000 draws would be 10⁸ uniform numbers): a draw starts from every
 * sample's likelier outcome (right when c ≥ 1/2) and only draws where the rarer one happens, with
 * probability q_i = min(c_i, 1 − c_i). In each chunk of CHUNK samples in sorted order, candidates
 * come as a Bernoulli(ρ) process, ρ = the chunk's largest q, by geometric gaps, and each is kept
 * with probability q_i/ρ: exactly Bernoulli(q_i) per sample, with about 2ρ·CHUNK uniforms per
 * chunk instead of CHUNK (a tenth of them for a typical overconfident network). Each refit
 * reuses one set of PAV stacks (`pavInto`). Seeded from `Rng(seed, 7)`: the same band each time.
 */
function consistencyBand(
  ux: number[],
  weight: number[],
  group: Int32Array,
  order: Int32Array,
  kept: number[],
  options: { resamples: number; level: number; seed: number },
): NonNullable<CorpReliability['band']> {
  const { resamples, level } = options;
  const n = order.length;
  const m = ux.length;
  // Per sorted sample: its pooled group, the rarer outcome's probability and its sign.
  const sortedGroup = new Int32Array(n);
  const rare = new Float64Array(n);
  const flip = new Float64Array(n);
  const base = new Float64Array(m);
  for (let r = 0; r < n; r++) {
    const j = group[order[r]];
    const c = ux[j];
    sortedGroup[r] = j;
    if (c >= 0.5) {
      base[j] += 1;
      rare[r] = 1 - c;
      flip[r] = -1;
    } else {
      rare[r] = c;
      flip[r] = 1;
    }
  }
  const chunks = Math.ceil(n / CHUNK);
  const rate = new Float64Array(chunks);
  const logMiss = new Float64Array(chunks);
  for (let k = 0; k < chunks; k++) {
    let max = 0;
    for (let r = k * CHUNK, end = Math.min(n, r + CHUNK); r < end; r++)
      max = Math.max(max, rare[r]);
    logMiss[k] = Math.log1p(-max);
    // A rate too small to give a finite gap draws nothing (and cannot loop).
    rate[k] = logMiss[k] < 0 ? max : 0;
  }
  const weights = Float64Array.from(weight);
  const draws = kept.map(() => new Float64Array(resamples));
  const sums = new Float64Array(m);
  const at = Int32Array.from(kept);
  const refit = new Float64Array(at.length);
  const scratch = pavScratch(m);
  const rng = new Rng(options.seed, 7);
  for (let b = 0; b < resamples; b++) {
    sums.set(base);
    for (let k = 0; k < chunks; k++) {
      const rho = rate[k];
      if (rho === 0) continue;
      const end = Math.min(n, (k + 1) * CHUNK);
      let r = k * CHUNK;
      for (;;) {
        // Gap to the next candidate: Geometric(ρ) failures, from a uniform in (0, 1].
        const u = (rng.nextUint32() + 1) / 4294967296;
        r += Math.floor(Math.log(u) / logMiss[k]);
        if (r >= end) break;
        if (rng.nextFloat() * rho < rare[r]) sums[sortedGroup[r]] += flip[r];
        r++;
      }
    }
    pavInto(sums, weights, refit, scratch, at);
    for (let k = 0; k < at.length; k++) draws[k][b] = refit[k];
  }
  const lower: number[] = [];
  const upper: number[] = [];
  const tail = (1 - level) / 2;
  for (const values of draws) {
    values.sort();
    lower.push(quantileSorted(values, tail));
    upper.push(quantileSorted(values, 1 - tail));
  }
  return { level, resamples, lower, upper };
}
