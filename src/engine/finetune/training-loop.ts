import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core';
import { CancelledError } from '../inference';
import { InputError } from '../input-error';
import { gatherRows, type SampleArrays } from './samples';
import { smoothedCrossEntropy, type LossHead } from './smoothed-loss';
import type { TrainableModel } from './trainable-model';

export interface TrainingOptions {
  trainable: TrainableModel;
  head: LossHead;
  /** Model input shape without the batch dimension. */
  inputShape: number[];
  data: SampleArrays;
  /** Rows of `data` to train on. */
  rows: Int32Array;
  alpha: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seeds the batch order: the same seed gives every arm the same batches. */
  seed: number;
  /** Named in the error when the loss diverges. */
  modelFile?: string;
  signal?: AbortSignal;
  /** After every batch: samples done in this epoch. */
  onBatch?: (epoch: number, done: number, total: number) => void;
  /** After every epoch, with the epoch's training statistics; awaited (it may evaluate). */
  onEpoch?: (stats: EpochStats) => Promise<void> | void;
}

export interface EpochStats {
  epoch: number;
  /** Mean smoothed cross-entropy over the epoch's samples. */
  loss: number;
  /** Fraction predicted right during training (the weights move during the epoch). */
  accuracy: number;
  seconds: number;
}

/**
 * A custom training loop (Adam on the selected variables, smoothed cross-entropy from logits):
 * batches are gathered from typed arrays in a seeded order, the model is called with
 * training = true (the frozen part runs in inference mode, see trainable-model.ts), and every
 * tensor of a step is disposed before the next. Between batches it checks the signal and yields
 * to the event loop, so a cancel stops it within a batch.
 */
export async function trainModel(options: TrainingOptions): Promise<EpochStats[]> {
  const { trainable, head, inputShape, data, rows, alpha, epochs, batchSize, signal } = options;
  if (rows.length === 0) throw new RangeError('there are no samples to fine-tune on');
  const optimizer = tf.train.adam(options.learningRate);
  const rng = new Rng(options.seed);
  const order = Int32Array.from(rows);
  const n = order.length;
  const history: EpochStats[] = [];
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      rng.shuffle(order);
      const started = performance.now();
      let lossSum = 0;
      let correctSum = 0;
      for (let start = 0; start < n; start += batchSize) {
        if (signal?.aborted) throw new CancelledError();
        const count = Math.min(batchSize, n - start);
        const batch = gatherRows(data, order, start, count);
        const { loss, correct } = trainStep(trainable, optimizer, head, alpha, {
          x: tf.tensor(batch.x, [count, ...inputShape], 'float32'),
          labels: tf.tensor1d(batch.labels, 'int32'),
        });
        const lossValue = (await loss.data())[0];
        const correctValue = (await correct.data())[0];
        loss.dispose();
        correct.dispose();
        if (!Number.isFinite(lossValue)) {
          throw new InputError(
            options.modelFile ?? 'the model',
            `diverged while fine-tuning: the loss became ${lossValue} in epoch ${epoch} (α = ${alpha}); lower the learning rate (${options.learningRate}).`,
          );
        }
        lossSum += lossValue * count;
        correctSum += correctValue;
        options.onBatch?.(epoch, start + count, n);
        // Yield so that a cancel message can arrive between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const stats: EpochStats = {
        epoch,
        loss: lossSum / n,
        accuracy: correctSum / n,
        seconds: (performance.now() - started) / 1000,
      };
      history.push(stats);
      await options.onEpoch?.(stats);
    }
  } finally {
    optimizer.dispose();
  }
  if (signal?.aborted) throw new CancelledError();
  return history;
}

/** One optimizer step; disposes the batch tensors and returns the loss and the count right. */
function trainStep(
  trainable: TrainableModel,
  optimizer: tf.Optimizer,
  head: LossHead,
  alpha: number,
  batch: { x: tf.Tensor; labels: tf.Tensor1D },
): { loss: tf.Scalar; correct: tf.Scalar } {
  let correct: tf.Scalar | null = null;
  try {
    const loss = optimizer.minimize(
      () => {
        const output = trainable.model.apply(batch.x, { training: true }) as
          tf.Tensor | tf.Tensor[];
        const logits = Array.isArray(output) ? output[0] : output;
        correct = tf.keep(countCorrect(logits, batch.labels, head));
        return smoothedCrossEntropy(logits, batch.labels, head, alpha);
      },
      true,
      trainable.variables,
    );
    if (!loss || !correct) throw new Error('the optimizer returned no loss');
    return { loss, correct };
  } catch (error) {
    (correct as tf.Scalar | null)?.dispose();
    throw error;
  } finally {
    batch.x.dispose();
    batch.labels.dispose();
  }
}

function countCorrect(logits: tf.Tensor, labels: tf.Tensor1D, head: LossHead): tf.Scalar {
  return tf.tidy(() => {
    const batch = labels.shape[0];
    const prediction =
      head === 'sigmoid'
        ? logits.reshape([batch]).greater(0).toInt()
        : logits.reshape([batch, -1]).argMax(-1).toInt();
    return prediction.equal(labels).toFloat().sum() as tf.Scalar;
  });
}
