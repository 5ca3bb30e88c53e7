import { Rng, type Predictions } from '../src/core';

/**
 * Synthetic 10-class-style predictions for the metric benchmarks. Logits are
 * scale · (z + margin · [k = y]) with z ~ N(0, 1):
 * - `overconfident`: scale 4, margin 3: like a typical trained network, about 90% accuracy, ECE about 3%;
 * - `uncertain`: scale 2, margin 1.5: a weaker, less confident model (about 70% accuracy), whose
 *   probabilities spread over more classes and bins (more work for the classwise terms).
 */
export function syntheticPredictions(
  samples: number,
  classes: number,
  kind: 'overconfident' | 'uncertain',
  seed = 1,
): Predictions {
  const [scale, margin] = kind === 'overconfident' ? [4, 3] : [2, 1.5];
  const rng = new Rng(seed);
  const gaussian = (): number => {
    const u = rng.nextFloat() || Number.MIN_VALUE;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
  };
  const labels = new Int32Array(samples);
  const logits = new Float32Array(samples * classes);
  const probs = new Float32Array(samples * classes);
  for (let i = 0; i < samples; i++) {
    const y = rng.nextInt(classes);
    labels[i] = y;
    const o = i * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) {
      logits[o + k] = scale * (gaussian() + (k === y ? margin : 0));
      max = Math.max(max, logits[o + k]);
    }
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(logits[o + k] - max);
    for (let k = 0; k < classes; k++) probs[o + k] = Math.exp(logits[o + k] - max) / sum;
  }
  return { numClasses: classes, labels, probs, logits };
}
