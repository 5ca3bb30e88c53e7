import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { smoothBinaryTarget, smoothTargets } from '../../../src/core';
import { selectBackend } from '../../../src/engine/backend';
import {
  smoothedCrossEntropy,
  smoothedCrossEntropyPerSample,
} from '../../../src/engine/finetune/smoothed-loss';

beforeAll(async () => {
  expect((await selectBackend('wasm')).name).toBe('wasm');
});

/** −Σ_k t_k log softmax(z)_k in float64. */
function crossEntropy(targets: number[], logits: number[]): number {
  const max = Math.max(...logits);
  const logSum = max + Math.log(logits.reduce((s, z) => s + Math.exp(z - max), 0));
  return -targets.reduce((s, t, k) => s + t * (logits[k] - logSum), 0);
}

function lossOf(logits: number[][], labels: number[], head: 'softmax' | 'sigmoid', alpha: number) {
  return tf.tidy(() =>
    Array.from(
      smoothedCrossEntropyPerSample(
        head === 'sigmoid' ? tf.tensor2d(logits, [logits.length, 1]) : tf.tensor2d(logits),
        tf.tensor1d(labels, 'int32'),
        head,
        alpha,
      ).dataSync(),
    ),
  );
}

describe('label-smoothed cross-entropy, categorical (softmax head)', () => {
  it('matches hand-computed values: targets y(1 − a) + a/K', () => {
    // K = 3, a = 0.1: targets (0.9333, 0.0333, 0.0333) for label 0.
    // logits (2, 1, 0.1): log-sum-exp = 2.41703; log p = (−0.41703, −1.41703, −2.31703);
    // loss = 0.93333·0.41703 + 0.03333·1.41703 + 0.03333·2.31703 = 0.51370.
    const [loss] = lossOf([[2, 1, 0.1]], [0], 'softmax', 0.1);
    expect(loss).toBeCloseTo(0.5137, 4);
    expect(loss).toBeCloseTo(crossEntropy([0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3], [2, 1, 0.1]), 5);
  });

  it("agrees with core's smoothTargets (the Keras formula) for several classes and alphas", () => {
    const logits = [
      [0.3, -1.2, 2.5, 0.1],
      [4, 0, -2, 1],
      [-0.5, -0.5, 0.2, 3],
    ];
    const labels = [2, 0, 1];
    for (const alpha of [0, 0.05, 0.1, 0.3, 0.9]) {
      const targets = smoothTargets(labels, 4, alpha);
      const losses = lossOf(logits, labels, 'softmax', alpha);
      losses.forEach((loss, i) => {
        const expected = crossEntropy(Array.from(targets.subarray(i * 4, i * 4 + 4)), logits[i]);
        expect(loss, `alpha ${alpha}, sample ${i}`).toBeCloseTo(expected, 5);
      });
    }
  });

  it('is plain cross-entropy at alpha = 0 and the batch mean as a scalar', () => {
    const logits = [
      [1, 2, 3],
      [0.5, 0.5, -1],
    ];
    const plain = lossOf(logits, [2, 1], 'softmax', 0);
    expect(plain[0]).toBeCloseTo(crossEntropy([0, 0, 1], logits[0]), 6);
    expect(plain[1]).toBeCloseTo(crossEntropy([0, 1, 0], logits[1]), 6);
    const mean = tf.tidy(() =>
      smoothedCrossEntropy(tf.tensor2d(logits), tf.tensor1d([2, 1], 'int32'), 'softmax', 0.2),
    );
    const perSample = lossOf(logits, [2, 1], 'softmax', 0.2);
    expect(mean.dataSync()[0]).toBeCloseTo((perSample[0] + perSample[1]) / 2, 6);
    mean.dispose();
  });

  it("is minimal at the seed's worked example: logits (3.3322, 0, 0) for K = 3, a = 0.1", () => {
    // The gradient of the smoothed loss in the logits is softmax(z) − y', zero at the optimum
    // logit gap log((1 − a + a/K)/(a/K)) = log(28).
    const gradient = tf.tidy(() =>
      Array.from(
        tf
          .grad((z: tf.Tensor) =>
            smoothedCrossEntropy(z, tf.tensor1d([0], 'int32'), 'softmax', 0.1),
          )(tf.tensor2d([[Math.log(28), 0, 0]]))
          .dataSync(),
      ),
    );
    for (const g of gradient) expect(Math.abs(g)).toBeLessThan(1e-6);
  });
});

describe('label-smoothed cross-entropy, binary (one sigmoid unit)', () => {
  it('matches hand-computed values: target y(1 − a) + a/2', () => {
    // z = 1.5, y = 1, a = 0.2: y' = 0.9; σ(1.5) = 0.817574;
    // loss = −0.9·log 0.817574 − 0.1·log 0.182426 = 0.181295 + 0.170137 = 0.351432.
    const [loss] = lossOf([[1.5]], [1], 'sigmoid', 0.2);
    expect(loss).toBeCloseTo(0.35143, 4);
  });

  it("agrees with core's smoothBinaryTarget for both labels and several alphas", () => {
    const z = [-2, -0.3, 0, 0.7, 3.1];
    for (const alpha of [0, 0.1, 0.25]) {
      for (const y of [0, 1]) {
        const losses = lossOf(
          z.map((v) => [v]),
          z.map(() => y),
          'sigmoid',
          alpha,
        );
        const t = smoothBinaryTarget(y, alpha);
        z.forEach((v, i) => {
          const p = 1 / (1 + Math.exp(-v));
          const expected = -t * Math.log(p) - (1 - t) * Math.log(1 - p);
          expect(losses[i], `alpha ${alpha}, y ${y}, z ${v}`).toBeCloseTo(expected, 5);
        });
      }
    }
  });
});

describe('alpha', () => {
  it('must be in [0, 1)', () => {
    for (const alpha of [-0.1, 1, NaN]) {
      expect(() => lossOf([[1, 2]], [0], 'softmax', alpha)).toThrow(RangeError);
    }
  });

  it('leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    lossOf([[1, 2, 3]], [1], 'softmax', 0.1);
    lossOf([[0.5]], [0], 'sigmoid', 0.1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
