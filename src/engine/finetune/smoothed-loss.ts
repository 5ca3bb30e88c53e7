import * as tf from '@tensorflow/tfjs';

/**
 * Label-smoothed cross-entropy from LOGITS, as Keras and PyTorch define it:
 * - `softmax` head (K >= 2 units): targets y' = y(1 − a) + a/K, loss −Σ_k y'_k log softmax(z)_k;
 * - `sigmoid` head (one unit): target y' = y(1 − a) + a/2, loss −y' log σ(z) − (1 − y') log(1 − σ(z)).
 *
 * Both go through tf.losses (softmaxCrossEntropy / sigmoidCrossEntropy with `labelSmoothing`),
 * which smooth exactly so and work on logits; the mean is over the batch.
 */
export type LossHead = 'softmax' | 'sigmoid';

export function checkAlpha(alpha: number): void {
  if (!(alpha >= 0 && alpha < 1)) {
    throw new RangeError(`label smoothing alpha must be in [0, 1), got ${alpha}`);
  }
}

/**
 * Per-sample smoothed cross-entropy, shape [batch].
 * `logits` is [batch, K] for a softmax head and [batch, 1] (or [batch]) for a sigmoid head;
 * `labels` holds class indices (for a sigmoid head: 0 or 1).
 */
export function smoothedCrossEntropyPerSample(
  logits: tf.Tensor,
  labels: tf.Tensor1D,
  head: LossHead,
  alpha: number,
): tf.Tensor1D {
  checkAlpha(alpha);
  return tf.tidy(() => {
    const batch = labels.shape[0];
    if (head === 'sigmoid') {
      const z = logits.reshape([batch]);
      const y = labels.toFloat();
      return tf.losses.sigmoidCrossEntropy(
        y,
        z,
        undefined,
        alpha,
        tf.Reduction.NONE,
      ) as tf.Tensor1D;
    }
    const numClasses = logits.shape[logits.shape.length - 1] as number;
    const onehot = tf.oneHot(labels.toInt(), numClasses);
    return tf.losses.softmaxCrossEntropy(
      onehot,
      logits,
      undefined,
      alpha,
      tf.Reduction.NONE,
    ) as tf.Tensor1D;
  });
}

/** Mean smoothed cross-entropy over the batch (a scalar), differentiable in `logits`. */
export function smoothedCrossEntropy(
  logits: tf.Tensor,
  labels: tf.Tensor1D,
  head: LossHead,
  alpha: number,
): tf.Scalar {
  return tf.tidy(() => smoothedCrossEntropyPerSample(logits, labels, head, alpha).mean());
}
