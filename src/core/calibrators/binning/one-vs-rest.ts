import { softmaxRows } from '../base';
import type { CalibratedOutputs, CalibrationData } from '../types';

/** A map from one class's probability to a calibrated one, fitted per class. */
export interface ClassMap {
  (p: number): number;
}

/**
 * The one-vs-rest helper every binning calibrator shares (netcal's `_create_one_vs_all_models`,
 * scikit-learn's `CalibratedClassifierCV`): for each class k a 1-D map is fitted on
 * (p_ik, [y_i = k]) with p = softmax(logits); applied, each row is divided by its sum (a row that
 * sums to 0 becomes uniform, as scikit-learn does). Binary models (K = 2) fit one map on P(y = 1)
 * and set P(y = 0) = 1 − P(y = 1), as scikit-learn and netcal do with one column.
 */
export function fitOneVsRest<P>(
  data: CalibrationData,
  fitClass: (scores: Float64Array, hits: Float64Array) => P,
): P[] {
  const K = data.numClasses;
  const n = data.labels.length;
  const probs = softmaxRows(data.logits, K);
  const classes = K === 2 ? [1] : Array.from({ length: K }, (_, k) => k);
  return classes.map((k) => {
    const scores = new Float64Array(n);
    const hits = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      scores[i] = probs[i * K + k];
      hits[i] = data.labels[i] === k ? 1 : 0;
    }
    return fitClass(scores, hits);
  });
}

/**
 * Applies per-class maps (one for K = 2, on P(y = 1); K otherwise) to softmax(logits): each
 * value clipped to [0, 1], rows renormalised, a zero row uniform.
 */
export function applyOneVsRest(
  maps: ClassMap[],
  K: number,
): (logits: ArrayLike<number>, n: number) => CalibratedOutputs {
  if (maps.length !== (K === 2 ? 1 : K)) {
    throw new RangeError(
      `expected ${K === 2 ? 1 : K} class maps for ${K} classes, got ${maps.length}`,
    );
  }
  return (logits, count) => {
    const p = softmaxRows(logits, K);
    const out = new Float32Array(count * K);
    const row = new Float64Array(K);
    for (let i = 0, o = 0; i < count; i++, o += K) {
      if (K === 2) {
        const p1 = Math.min(1, Math.max(0, maps[0](p[o + 1])));
        out[o] = 1 - p1;
        out[o + 1] = p1;
        continue;
      }
      let sum = 0;
      for (let k = 0; k < K; k++) {
        row[k] = Math.min(1, Math.max(0, maps[k](p[o + k])));
        sum += row[k];
      }
      for (let k = 0; k < K; k++) out[o + k] = sum > 0 ? row[k] / sum : 1 / K;
    }
    return { probs: out, logits: null };
  };
}
