import type { DatasetInfo, OpenedDataset } from '../data';
import { CancelledError } from '../inference';
import { InputError } from '../input-error';
import type { LoadedModel } from '../model/load-model';

/** Fine-tuning keeps its samples in memory (shuffled batches need random access): at most this. */
export const MAX_SAMPLE_BYTES = 2 * 1024 ** 3;

/** A labelled set held in memory: n rows of `sampleSize` float32 model inputs. */
export interface SampleArrays {
  info: DatasetInfo;
  ids: string[];
  labels: Int32Array;
  /** n * sampleSize, row-major, already scaled as the model expects. */
  x: Float32Array;
  sampleSize: number;
}

/** Reads every sample of an opened data set into typed arrays, batch by batch. */
export async function readAllSamples(
  dataset: OpenedDataset,
  inputShape: number[],
  signal?: AbortSignal,
): Promise<SampleArrays> {
  const n = dataset.info.sampleCount;
  const sampleSize = inputShape.reduce((a, b) => a * b, 1);
  const bytes = n * sampleSize * 4;
  if (bytes > MAX_SAMPLE_BYTES) {
    throw new InputError(
      dataset.info.path,
      `holds ${n} samples of ${sampleSize} values (${(bytes / 1024 ** 3).toFixed(1)} GiB as float32); fine-tuning keeps its samples in memory, at most ${MAX_SAMPLE_BYTES / 1024 ** 3} GiB: use a smaller set.`,
    );
  }
  const x = new Float32Array(n * sampleSize);
  const labels = new Int32Array(n);
  const ids: string[] = [];
  let done = 0;
  try {
    for await (const batch of dataset.batches(512, signal)) {
      if (signal?.aborted) throw new CancelledError();
      if (done + batch.count > n || batch.x.length !== batch.count * sampleSize) {
        throw new InputError(dataset.info.path, 'changed while it was being read.');
      }
      x.set(batch.x, done * sampleSize);
      labels.set(batch.labels, done);
      ids.push(...batch.ids);
      done += batch.count;
    }
  } catch (error) {
    if (signal?.aborted) throw new CancelledError();
    throw error;
  }
  if (done !== n) throw new InputError(dataset.info.path, 'changed while it was being read.');
  return { info: dataset.info, ids, labels, x, sampleSize };
}

/**
 * Copies rows `indices[start .. start + count)` into fresh arrays (a batch). Gathering from the
 * typed arrays keeps the data out of tfjs: only one batch tensor exists at a time, and wasm never
 * has to slice a large tensor (its Slice copies the whole input).
 */
export function gatherRows(
  data: SampleArrays,
  indices: ArrayLike<number>,
  start: number,
  count: number,
): { x: Float32Array; labels: Int32Array } {
  const size = data.sampleSize;
  const x = new Float32Array(count * size);
  const labels = new Int32Array(count);
  for (let j = 0; j < count; j++) {
    const row = indices[start + j];
    x.set(data.x.subarray(row * size, (row + 1) * size), j * size);
    labels[j] = data.labels[row];
  }
  return { x, labels };
}

/** Labels of the given rows. */
export function labelsOf(data: SampleArrays, indices: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: indices.length }, (_, j) => data.labels[indices[j]]);
}

/** Ids of the given rows. */
export function idsOf(data: SampleArrays, indices: ArrayLike<number>): string[] {
  return Array.from({ length: indices.length }, (_, j) => data.ids[indices[j]]);
}

/** Per-class counts of the given rows. */
export function countsOf(
  data: SampleArrays,
  indices: ArrayLike<number>,
  numClasses: number,
): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let j = 0; j < indices.length; j++) counts[data.labels[indices[j]]]++;
  return counts;
}

export interface RowScores {
  labels: Int32Array;
  /** rows * K. */
  logits: Float32Array;
  probs: Float32Array;
}

/**
 * Runs the model (in inference mode) over the given rows, batch by batch, yielding between
 * batches so a cancel can arrive.
 */
export async function predictRows(
  model: LoadedModel,
  data: SampleArrays,
  indices: ArrayLike<number>,
  options: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<RowScores> {
  const { batchSize = 256, signal } = options;
  const k = model.info.numClasses;
  const n = indices.length;
  const logits = new Float32Array(n * k);
  const probs = new Float32Array(n * k);
  for (let start = 0; start < n; start += batchSize) {
    if (signal?.aborted) throw new CancelledError();
    const count = Math.min(batchSize, n - start);
    const batch = gatherRows(data, indices, start, count);
    const scores = await model.predict(batch.x, count);
    for (let i = 0; i < scores.probs.length; i++) {
      if (!Number.isFinite(scores.probs[i]) || !Number.isFinite(scores.logits[i])) {
        throw new InputError(
          model.info.file,
          `produced NaN or infinite outputs (first for sample ${data.ids[indices[start + Math.floor(i / k)]]}); the fine-tuning diverged or the input scaling is wrong.`,
        );
      }
    }
    logits.set(scores.logits, start * k);
    probs.set(scores.probs, start * k);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (signal?.aborted) throw new CancelledError();
  return { labels: labelsOf(data, indices), logits, probs };
}
