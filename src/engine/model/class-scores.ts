import type { OutputKind } from './output-head';

export interface ClassScores {
  /** count*K logits (true or derived, see OutputKind). */
  logits: Float32Array;
  /** count*K probabilities. */
  probs: Float32Array;
}

/** The clip Keras applies before log(p); used only where the model gives probabilities, not logits. */
const PROBABILITY_FLOOR = 1e-7;

/**
 * Turns a batch of raw model outputs into K-class logits and probabilities, in float64 arithmetic.
 * A single sigmoid unit z becomes logits (0, z), whose softmax is (1 - sigmoid(z), sigmoid(z)).
 */
export function toClassScores(raw: Float32Array, count: number, kind: OutputKind): ClassScores {
  const width = raw.length / count;
  const k = width === 1 ? 2 : width;
  const logits = new Float32Array(count * k);
  const probs = new Float32Array(count * k);
  for (let i = 0; i < count; i++) {
    const row = i * k;
    if (width === 1) {
      const value = raw[i];
      const z = kind === 'sigmoid-probability' ? probabilityToLogit(value) : value;
      logits[row + 1] = z;
      const p = 1 / (1 + Math.exp(-z));
      probs[row] = kind === 'sigmoid-probability' ? 1 - value : 1 - p;
      probs[row + 1] = kind === 'sigmoid-probability' ? value : p;
      continue;
    }
    if (kind === 'probabilities') {
      for (let c = 0; c < k; c++) {
        const p = raw[row + c];
        probs[row + c] = p;
        logits[row + c] = Math.log(Math.max(p, PROBABILITY_FLOOR));
      }
      continue;
    }
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, raw[row + c]);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(raw[row + c] - max);
    for (let c = 0; c < k; c++) {
      logits[row + c] = raw[row + c];
      probs[row + c] = Math.exp(raw[row + c] - max) / sum;
    }
  }
  return { logits, probs };
}

function probabilityToLogit(p: number): number {
  const clipped = Math.min(Math.max(p, PROBABILITY_FLOOR), 1 - PROBABILITY_FLOOR);
  return Math.log(clipped / (1 - clipped));
}
