import type { OpenedDataset } from './data';
import { chooseBatchSize } from './data/batch-size';
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
  /** Default: chosen for the model's input size and the backend (`chooseBatchSize`). */
  batchSize?: number;
  /** The tfjs backend in use, for the default batch size. */
  backend?: string;
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
 * Streams the test set through the model batch by batch: only the batch being predicted and the few
 * being decoded ahead of it (image folders) are alive at a time, and the outputs are written into arrays sized once
 * from the test set's sample count (trimmed if some images turn out not to decode).
 */
export async function runInference(
  model: LoadedModel,
  dataset: OpenedDataset,
  options: InferenceOptions = {},
): Promise<InferenceResult> {
  const { signal, onProgress } = options;
  const batchSize =
    options.batchSize ??
    chooseBatchSize(
      model.info.inputShape.reduce((a, b) => a * b, 1),
      options.backend,
    );
  const capacity = dataset.info.sampleCount;
  const k = model.info.numClasses;
  const ids: string[] = [];
  const labels = new Int32Array(capacity);
  const probs = new Float32Array(capacity * k);
  const logits = new Float32Array(capacity * k);
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
      if (done + batch.count > capacity) {
        throw new InputError(dataset.info.path, 'changed while it was being read.');
      }
      labels.set(batch.labels, done);
      probs.set(scores.probs, done * k);
      logits.set(scores.logits, done * k);
      ids.push(...batch.ids);
      done += batch.count;
      // Files that fail to decode leave the count: the total goes down with them.
      const total = dataset.info.sampleCount;
      const seconds = (performance.now() - started) / 1000;
      const rate = done / Math.max(seconds, 1e-9);
      onProgress?.({ done, total, rate, etaSeconds: Math.max(0, total - done) / rate });
      // Yield to the event loop so that a cancel message can arrive between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (error) {
    if (signal?.aborted) throw new CancelledError();
    throw error;
  }
  if (signal?.aborted) throw new CancelledError();
  if (done !== dataset.info.sampleCount) {
    throw new InputError(dataset.info.path, 'changed while it was being read.');
  }
  const trim = <T extends Int32Array | Float32Array>(a: T, n: number): T =>
    (a.length === n ? a : a.slice(0, n)) as T;
  return {
    ids,
    labels: trim(labels, done),
    probs: trim(probs, done * k),
    logits: trim(logits, done * k),
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
