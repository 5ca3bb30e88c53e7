import type { DatasetInfo, OpenedDataset, PixelScaling } from '../data';
import { chooseBatchSize } from '../data/batch-size';
import { scalePixels } from '../data/scaling';
import { CancelledError } from '../inference';
import { InputError } from '../input-error';
import type { LoadedModel } from '../model/load-model';

/** Fine-tuning keeps its samples in memory (shuffled batches need random access): at most this. */
export const MAX_SAMPLE_BYTES = 2 * 1024 ** 3;

/** A labelled set held in memory: n rows of `sampleSize` model inputs. */
export interface SampleArrays {
  info: DatasetInfo;
  ids: string[];
  labels: Int32Array;
  /** n * sampleSize float32, row-major, already scaled as the model expects; empty with `pixels`. */
  x: Float32Array;
  /**
   * Image folders: the samples as n * sampleSize 8-bit pixels (a quarter of the memory of float32),
   * scaled batch by batch as they are gathered.
   */
  pixels?: { data: Uint8Array; scaling: PixelScaling; channels: number };
  sampleSize: number;
}

/**
 * Reads every sample of an opened data set into typed arrays, batch by batch: image folders as
 * 8-bit pixels, everything else as float32.
 */
export async function readAllSamples(
  dataset: OpenedDataset,
  inputShape: number[],
  signal?: AbortSignal,
): Promise<SampleArrays> {
  const n = dataset.info.sampleCount;
  const sampleSize = inputShape.reduce((a, b) => a * b, 1);
  const asPixels = dataset.info.format === 'image-folder';
  const bytes = n * sampleSize * (asPixels ? 1 : 4);
  if (bytes > MAX_SAMPLE_BYTES) {
    throw new InputError(
      dataset.info.path,
      `holds ${n} samples of ${sampleSize} values (${(bytes / 1024 ** 3).toFixed(1)} GiB as ${asPixels ? '8-bit pixels' : 'float32'}); fine-tuning keeps its samples in memory, at most ${MAX_SAMPLE_BYTES / 1024 ** 3} GiB: use a smaller set.`,
    );
  }
  let x = new Float32Array(asPixels ? 0 : n * sampleSize);
  let pixels = new Uint8Array(asPixels ? n * sampleSize : 0);
  let scaling: PixelScaling | null = null;
  let channels = 3;
  let labels = new Int32Array(n);
  const ids: string[] = [];
  let done = 0;
  try {
    for await (const batch of dataset.batches(chooseBatchSize(sampleSize), signal)) {
      if (signal?.aborted) throw new CancelledError();
      const values = asPixels ? batch.pixels?.data : batch.x;
      if (done + batch.count > n || values?.length !== batch.count * sampleSize) {
        throw new InputError(dataset.info.path, 'changed while it was being read.');
      }
      if (asPixels) {
        pixels.set(values, done * sampleSize);
        scaling = batch.pixels?.scaling ?? null;
        channels = batch.pixels?.channels ?? 3;
      } else {
        x.set(values, done * sampleSize);
      }
      labels.set(batch.labels, done);
      ids.push(...batch.ids);
      done += batch.count;
    }
  } catch (error) {
    if (signal?.aborted) throw new CancelledError();
    throw error;
  }
  // Images that failed to decode have left the count (and the info's skipped list).
  if (done !== dataset.info.sampleCount) {
    throw new InputError(dataset.info.path, 'changed while it was being read.');
  }
  if (done < n) {
    x = x.slice(0, asPixels ? 0 : done * sampleSize);
    pixels = pixels.slice(0, asPixels ? done * sampleSize : 0);
    labels = labels.slice(0, done);
  }
  const kept = asPixels && scaling ? { pixels: { data: pixels, scaling, channels } } : {};
  return { info: dataset.info, ids, labels, x, sampleSize, ...kept };
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
    if (data.pixels) {
      const { data: bytes, scaling, channels } = data.pixels;
      scalePixels(bytes.subarray(row * size, (row + 1) * size), scaling, x, j * size, channels);
    } else {
      x.set(data.x.subarray(row * size, (row + 1) * size), j * size);
    }
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
  const { batchSize = chooseBatchSize(data.sampleSize), signal } = options;
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
