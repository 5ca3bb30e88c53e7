import { Rng } from '../../src/core/random';
import type { Predictions } from '../../src/core/types';

/**
 * Predictions of a synthetic K-class model: true logits u_k = N(0, 1) + margin·[k = y], for
 * which softmax(margin·u) is perfectly calibrated; the model reports softmax(scale·u), so
 * scale > margin is overconfident and scale < margin underconfident. With `sampleLabels` the
 * labels are drawn from the model's own probabilities instead (calibrated by construction).
 */
export function syntheticPredictions(
  n: number,
  K: number,
  seed: number,
  { margin = 3, scale = 4, sampleLabels = false } = {},
): Predictions {
  const rng = new Rng(seed);
  const gaussian = (): number => {
    const u = rng.nextFloat() || Number.MIN_VALUE;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
  };
  const labels = new Int32Array(n);
  const logits = new Float32Array(n * K);
  const probs = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    const y = rng.nextInt(K);
    const o = i * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      logits[o + k] = scale * (gaussian() + (k === y ? margin : 0));
      max = Math.max(max, logits[o + k]);
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(logits[o + k] - max);
    for (let k = 0; k < K; k++) probs[o + k] = Math.exp(logits[o + k] - max) / sum;
    labels[i] = y;
    if (sampleLabels) {
      let u = rng.nextFloat();
      labels[i] = K - 1;
      for (let k = 0; k < K; k++) {
        u -= probs[o + k];
        if (u < 0) {
          labels[i] = k;
          break;
        }
      }
    }
  }
  return { numClasses: K, labels, probs, logits };
}
