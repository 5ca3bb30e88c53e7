/**
 * The bag of little bootstraps (Kleiner, Talwalkar, Sarkar & Jordan, "A scalable bootstrap for
 * massive data", JRSS-B 76(4), 2014), for the audit's intervals above LARGE_SAMPLE_THRESHOLD
 * samples, where the exact bootstrap's cost (n × resamples) is out of reach.
 *
 * s subsets of b = ⌈n^0.7⌉ rows are drawn without replacement; each is resampled r times with
 * multinomial counts of total n over its b rows (a data set of the full size, of which only b
 * distinct rows exist). As the bootstrap estimates the law of θ̂ − θ by that of θ̂* − θ̂, each
 * subset gives the 2.5th and 97.5th percentiles of θ̂*_k − θ̂_j, θ̂_j the subset's own estimate
 * (each row weighted n/b); these are averaged over subsets and added to the full-data estimate.
 * With the exact bootstrap that is exactly its percentile interval (θ̂ + percentiles of θ̂* − θ̂),
 * so the two agree, including the upward shift of noise-biased metrics such as ECE. A resample costs O(b), not O(n): the
 * counts come from conditional binomials (Rng.fillUniformMultinomial) and the weighted one-pass
 * evaluator (weighted-pass.ts) reads only the subset, with its n-dependent parts (equal-mass
 * groups, harmonic numbers of AURC) built for the full n. s·r is the requested resample count.
 */
import { percentileInterval95 } from './quantile';
import { Rng } from './random';
import { METRIC_NAMES, type MetricName, type Predictions } from './types';
import { prepareResampling, releaseHarmonicTables, WeightedEvaluator } from './weighted-pass';

/** Subsets s (fewer when fewer resamples are asked for). */
export const LITTLE_BOOTSTRAP_SUBSETS = 10;
/** Subset size b = ⌈n^γ⌉; Kleiner et al. recommend γ in [0.6, 0.8]. */
export const LITTLE_BOOTSTRAP_EXPONENT = 0.7;

const SELECTION_STREAM = 0x70000000;
const RESAMPLE_STREAM = 0x40000000;

export interface LittleBootstrapPlan {
  /** n, the size of the data set and of every resample. */
  sampleCount: number;
  subsets: number;
  subsetSize: number;
  resamplesPerSubset: number;
}

export function littleBootstrapPlan(
  sampleCount: number,
  resamples: number,
  exponent = LITTLE_BOOTSTRAP_EXPONENT,
): LittleBootstrapPlan {
  const subsets = Math.max(1, Math.min(LITTLE_BOOTSTRAP_SUBSETS, resamples));
  return {
    sampleCount,
    subsets,
    subsetSize: Math.min(sampleCount, Math.ceil(sampleCount ** exponent)),
    resamplesPerSubset: Math.ceil(resamples / subsets),
  };
}

/** Subset j's rows: b of the n drawn without replacement (Floyd's algorithm), ascending. */
export function littleBootstrapRows(
  plan: LittleBootstrapPlan,
  seed: number,
  j: number,
): Int32Array {
  const n = plan.sampleCount;
  const b = plan.subsetSize;
  const rng = new Rng(seed, SELECTION_STREAM + j);
  const chosen = new Set<number>();
  for (let t = n - b; t < n; t++) {
    const pick = rng.nextInt(t + 1);
    chosen.add(chosen.has(pick) ? t : pick);
  }
  return Int32Array.from(chosen).sort();
}

/** The predictions of the given rows (labels, probabilities, logits), in that order. */
export function subsetPredictions(predictions: Predictions, rows: Int32Array): Predictions {
  const K = predictions.numClasses;
  const b = rows.length;
  const labels = new Int32Array(b);
  const probs = new Float32Array(b * K);
  const logits = predictions.logits ? new Float32Array(b * K) : null;
  for (let t = 0; t < b; t++) {
    const i = rows[t];
    labels[t] = predictions.labels[i];
    probs.set(predictions.probs.subarray(i * K, i * K + K), t * K);
    logits?.set(predictions.logits!.subarray(i * K, i * K + K), t * K);
  }
  return { numClasses: K, labels, probs, logits };
}

/** One subset's work: everything a helper thread needs, plain data. */
export interface LittleBootstrapJob {
  subset: Predictions;
  subsetIndex: number;
  plan: LittleBootstrapPlan;
  binCount: number;
  /** The full data's smooth-ECE bandwidth σ*, where each resample's fixed-point search starts. */
  smoothBandwidth: number;
  seed: number;
}

/**
 * The subset's r resamples of total weight n: the 2.5th and 97.5th percentiles of each metric's
 * deviation θ̂*_k − θ̂_j from the subset's own estimate, flattened in METRIC_NAMES order (NaN
 * where the subset or no resample defines the metric).
 */
export function littleBootstrapSubsetIntervals(job: LittleBootstrapJob): Float64Array {
  const { subset, plan, subsetIndex } = job;
  const r = plan.resamplesPerSubset;
  const data = prepareResampling(
    subset,
    job.binCount,
    job.smoothBandwidth,
    undefined,
    plan.sampleCount,
  );
  const evaluator = new WeightedEvaluator(data);
  const counts = new Int32Array(subset.labels.length);
  const out = new Float64Array(METRIC_NAMES.length);
  // θ̂_j: each of the b rows weighted n/b, the remainder spread evenly over the sorted rows.
  const b = counts.length;
  const base = Math.floor(plan.sampleCount / b);
  const extra = plan.sampleCount - base * b;
  for (let i = 0; i < b; i++) {
    counts[i] = base + Math.floor(((i + 1) * extra) / b) - Math.floor((i * extra) / b);
  }
  evaluator.evaluate(counts, out);
  const centre = Float64Array.from(out);
  const values = METRIC_NAMES.map(() => new Float64Array(r));
  for (let k = 0; k < r; k++) {
    new Rng(job.seed, RESAMPLE_STREAM + subsetIndex * r + k).fillUniformMultinomial(
      counts,
      plan.sampleCount,
    );
    evaluator.evaluate(counts, out);
    for (let m = 0; m < out.length; m++) values[m][k] = out[m] - centre[m];
  }
  const ends = new Float64Array(2 * METRIC_NAMES.length);
  values.forEach((v, m) => {
    const [lower, upper] = percentileInterval95(v);
    ends[2 * m] = lower;
    ends[2 * m + 1] = upper;
  });
  return ends;
}

/** Runs subset jobs in order, then lets the harmonic table they shared go. */
export function runLittleBootstrapJobs(jobs: LittleBootstrapJob[]): Float64Array[] {
  const results = jobs.map(littleBootstrapSubsetIntervals);
  releaseHarmonicTables();
  return results;
}

/** The jobs of every subset (the rows are drawn here, so any thread can run any job). */
export function littleBootstrapJobs(
  predictions: Predictions,
  plan: LittleBootstrapPlan,
  binCount: number,
  smoothBandwidth: number,
  seed: number,
): LittleBootstrapJob[] {
  return Array.from({ length: plan.subsets }, (_, j) => ({
    subset: subsetPredictions(predictions, littleBootstrapRows(plan, seed, j)),
    subsetIndex: j,
    plan,
    binCount,
    smoothBandwidth,
    seed,
  }));
}

/**
 * The full-data estimate plus the mean over subsets of each deviation percentile (subsets where a
 * metric is undefined left out); [NaN, NaN] where the estimate or every subset is undefined.
 */
export function averageSubsetIntervals(
  perSubset: Float64Array[],
  estimates: Record<MetricName, number>,
): Record<MetricName, [number, number]> {
  return Object.fromEntries(
    METRIC_NAMES.map((name, m) => {
      let lower = 0;
      let upper = 0;
      let used = 0;
      for (const ends of perSubset) {
        if (Number.isNaN(ends[2 * m]) || Number.isNaN(ends[2 * m + 1])) continue;
        lower += ends[2 * m];
        upper += ends[2 * m + 1];
        used++;
      }
      const value = estimates[name];
      if (used === 0 || Number.isNaN(value)) return [name, [NaN, NaN]];
      return [name, [value + lower / used, value + upper / used]];
    }),
  ) as Record<MetricName, [number, number]>;
}

/**
 * The bag of little bootstraps' intervals of every metric, on this thread, around the full-data
 * estimates (`estimates`, with the smooth-ECE bandwidth σ* found on the full data).
 */
export function littleBootstrapIntervals(
  predictions: Predictions,
  estimates: Record<MetricName, number>,
  options: {
    binCount: number;
    smoothBandwidth: number;
    resamples: number;
    seed: number;
    exponent?: number;
  },
): Record<MetricName, [number, number]> {
  const plan = littleBootstrapPlan(predictions.labels.length, options.resamples, options.exponent);
  const jobs = littleBootstrapJobs(
    predictions,
    plan,
    options.binCount,
    options.smoothBandwidth,
    options.seed,
  );
  return averageSubsetIntervals(runLittleBootstrapJobs(jobs), estimates);
}

/**
 * Paired intervals of the differences b − a of every metric for two models scored on the same
 * samples, by the bag of little bootstraps: each subset's rows are taken from both models and
 * resampled with the same counts (permuted into each model's confidence order); per subset, the
 * percentiles of (θ̂*_b − θ̂*_a) − (θ̂_b,j − θ̂_a,j); their means added to the full-data difference.
 */
export function pairedLittleBootstrapIntervals(
  a: Predictions,
  b: Predictions,
  deltas: Record<MetricName, number>,
  options: {
    binCount: number;
    smoothBandwidthA: number;
    smoothBandwidthB: number;
    resamples: number;
    seed: number;
    exponent?: number;
  },
): Record<MetricName, [number, number]> {
  const plan = littleBootstrapPlan(a.labels.length, options.resamples, options.exponent);
  const r = plan.resamplesPerSubset;
  const perSubset: Float64Array[] = [];
  for (let j = 0; j < plan.subsets; j++) {
    const rows = littleBootstrapRows(plan, options.seed, j);
    const dataA = prepareResampling(
      subsetPredictions(a, rows),
      options.binCount,
      options.smoothBandwidthA,
      undefined,
      plan.sampleCount,
    );
    const dataB = prepareResampling(
      subsetPredictions(b, rows),
      options.binCount,
      options.smoothBandwidthB,
      undefined,
      plan.sampleCount,
    );
    const evaluatorA = new WeightedEvaluator(dataA);
    const evaluatorB = new WeightedEvaluator(dataB);
    const size = rows.length;
    const counts = new Int32Array(size);
    const countsA = new Int32Array(size);
    const countsB = new Int32Array(size);
    const outA = new Float64Array(METRIC_NAMES.length);
    const outB = new Float64Array(METRIC_NAMES.length);
    const difference = (): Float64Array => {
      for (let t = 0; t < size; t++) {
        countsA[t] = counts[dataA.order[t]];
        countsB[t] = counts[dataB.order[t]];
      }
      evaluatorA.evaluate(countsA, outA);
      evaluatorB.evaluate(countsB, outB);
      return outB.map((v, m) => v - outA[m]);
    };
    // The subset's own difference: each row weighted n/b, the remainder spread evenly over rows.
    const base = Math.floor(plan.sampleCount / size);
    const extra = plan.sampleCount - base * size;
    for (let t = 0; t < size; t++) {
      counts[t] = base + Math.floor(((t + 1) * extra) / size) - Math.floor((t * extra) / size);
    }
    const centre = difference();
    const values = METRIC_NAMES.map(() => new Float64Array(r));
    for (let k = 0; k < r; k++) {
      new Rng(options.seed, RESAMPLE_STREAM + j * r + k).fillUniformMultinomial(
        counts,
        plan.sampleCount,
      );
      const d = difference();
      for (let m = 0; m < d.length; m++) values[m][k] = d[m] - centre[m];
    }
    const ends = new Float64Array(2 * METRIC_NAMES.length);
    values.forEach((v, m) => {
      const [lower, upper] = percentileInterval95(v);
      ends[2 * m] = lower;
      ends[2 * m + 1] = upper;
    });
    perSubset.push(ends);
  }
  releaseHarmonicTables();
  return averageSubsetIntervals(perSubset, deltas);
}
