import type { OpenedDataset } from './data';
import { InputError } from './input-error';
import type { LoadedModel } from './model/load-model';

export interface InferenceProgress {
  done: number;
  total: number;
  /** Samples per second so far. */
  rate: number;
  /** Seconds left at the current rate; null before the first batch. */
  etaSeconds: number | null;
}

export interface InferenceResult {
  ids: string[];
  labels: Int32Array;
  /** n*K, row-major. */
  probs: Float32Array;
  logits: Float32Array;
  numClasses: number;
  seconds: number;
}

export interface InferenceOptions {
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: InferenceProgress) => void;
}

export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('Cancelled.');
  }
}

/**
 * Streams the test set through the model batch by batch: only one decoded batch is alive at a time, and
 * the outputs are written into arrays sized once from the test set's sample count.
 */
export async function runInference(
  model: LoadedModel,
  dataset: OpenedDataset,
  options: InferenceOptions = {},
): Promise<InferenceResult> {
  const { batchSize = 256, signal, onProgress } = options;
  const total = dataset.info.sampleCount;
  const k = model.info.numClasses;
  const ids: string[] = [];
  const labels = new Int32Array(total);
  const probs = new Float32Array(total * k);
  const logits = new Float32Array(total * k);
  const started = performance.now();
  let done = 0;
  try {
    for await (const batch of dataset.batches(batchSize, signal)) {
      if (signal?.aborted) throw new CancelledError();
      const scores = await model.predict(batch.x, batch.count);
      const bad = firstNonFinite(scores.probs, k);
      if (bad >= 0) {
        throw new InputError(
          model.info.file,
          `produced NaN or infinite outputs (first for test sample ${batch.ids[bad]}); the model's weights or its input scaling may be broken.`,
        );
      }
      if (done + batch.count > total) {
        throw new InputError(dataset.info.path, 'changed while it was being read.');
      }
      labels.set(batch.labels, done);
      probs.set(scores.probs, done * k);
      logits.set(scores.logits, done * k);
      ids.push(...batch.ids);
      done += batch.count;
      const seconds = (performance.now() - started) / 1000;
      const rate = done / Math.max(seconds, 1e-9);
      onProgress?.({ done, total, rate, etaSeconds: (total - done) / rate });
      // Yield to the event loop so that a cancel message can arrive between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (error) {
    if (signal?.aborted) throw new CancelledError();
    throw error;
  }
  if (signal?.aborted) throw new CancelledError();
  if (done !== total) throw new InputError(dataset.info.path, 'changed while it was being read.');
  return {
    ids,
    labels,
    probs,
    logits,
    numClasses: k,
    seconds: (performance.now() - started) / 1000,
  };
}

function firstNonFinite(values: Float32Array, k: number): number {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) return Math.floor(i / k);
  }
  return -1;
}
