import { logitGaps, topLabel } from '../core';

/**
 * Per-sample results of one audit, in test-set order, as the history keeps them. Stored as one
 * row of `audit_samples`, each array a BLOB (layouts in docs/storage.md):
 *
 * | column | layout |
 * | --- | --- |
 * | ids | UTF-8, every id followed by one 0x00 byte (n ids) |
 * | labels, predictions | int32 little-endian, n values |
 * | confidence, true_class_prob | float32 little-endian, n values |
 * | logit_gap | float32 little-endian, n values; NULL without logits or with one class |
 * | probs | float32 little-endian, n*K values, row-major (sample i's class k at i*K + k) |
 * | logits | float32 little-endian, n*K values, row-major; NULL without logits |
 */
export interface StoredSamples {
  numClasses: number;
  /** The sample's reference in the test set (relative image path, row:N, idx:N). */
  ids: string[];
  /** True class index. */
  labels: Int32Array;
  /** Top label: argmax of the probabilities, lowest index on ties. */
  predictions: Int32Array;
  /** Top-label confidence, max_k p_ik. */
  confidence: Float32Array;
  /** p_{i, y_i}: the probability given to the true class. */
  trueClassProb: Float32Array;
  /** Top-1 minus top-2 logit; null without logits or with one class. */
  logitGap: Float32Array | null;
  /** n*K probabilities, row-major. Kept so that paired comparisons can rerun the metrics. */
  probs: Float32Array;
  /** n*K logits, row-major; null when there were none. */
  logits: Float32Array | null;
}

/** The BLOB columns of `audit_samples`, in table order. */
export interface SampleBlobs {
  ids: Buffer;
  labels: Buffer;
  predictions: Buffer;
  confidence: Buffer;
  trueClassProb: Buffer;
  logitGap: Buffer | null;
  probs: Buffer;
  logits: Buffer | null;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Derives the compact per-sample arrays from an audit's labels, probabilities and logits. */
export function compactSamples(
  ids: string[],
  labels: Int32Array,
  probs: Float32Array,
  logits: Float32Array | null,
  numClasses: number,
): StoredSamples {
  const n = labels.length;
  const top = topLabel(probs, numClasses);
  const trueClassProb = new Float32Array(n);
  for (let i = 0; i < n; i++) trueClassProb[i] = probs[i * numClasses + labels[i]];
  return {
    numClasses,
    ids,
    labels,
    predictions: top.prediction,
    confidence: Float32Array.from(top.confidence),
    trueClassProb,
    logitGap: logits && numClasses >= 2 ? Float32Array.from(logitGaps(logits, numClasses)) : null,
    probs,
    logits,
  };
}

export function encodeSamples(samples: StoredSamples): SampleBlobs {
  return {
    ids: encodeIds(samples.ids),
    labels: numbersToBlob(samples.labels),
    predictions: numbersToBlob(samples.predictions),
    confidence: numbersToBlob(samples.confidence),
    trueClassProb: numbersToBlob(samples.trueClassProb),
    logitGap: samples.logitGap ? numbersToBlob(samples.logitGap) : null,
    probs: numbersToBlob(samples.probs),
    logits: samples.logits ? numbersToBlob(samples.logits) : null,
  };
}

/** Thrown when a stored BLOB does not have the size its row says; the caller names the record. */
export class BlobSizeError extends Error {}

export function decodeSamples(
  blobs: SampleBlobs,
  sampleCount: number,
  numClasses: number,
): StoredSamples {
  const n = sampleCount;
  const ids = decodeIds(blobs.ids);
  if (ids.length !== n) {
    throw new BlobSizeError(`its sample ids hold ${ids.length} ids, expected ${n}`);
  }
  return {
    numClasses,
    ids,
    labels: int32FromBlob(blobs.labels, n, 'labels'),
    predictions: int32FromBlob(blobs.predictions, n, 'predictions'),
    confidence: float32FromBlob(blobs.confidence, n, 'confidences'),
    trueClassProb: float32FromBlob(blobs.trueClassProb, n, 'true-class probabilities'),
    logitGap: blobs.logitGap ? float32FromBlob(blobs.logitGap, n, 'logit gaps') : null,
    probs: float32FromBlob(blobs.probs, n * numClasses, 'probabilities'),
    logits: blobs.logits ? float32FromBlob(blobs.logits, n * numClasses, 'logits') : null,
  };
}

/** UTF-8 ids, each terminated by 0x00 (no id can contain 0x00: no file name or row label does). */
export function encodeIds(ids: string[]): Buffer {
  for (let i = 0; i < ids.length; i++) {
    if (ids[i].includes('\0')) throw new RangeError(`sample id ${i} contains a NUL character`);
  }
  return Buffer.from(ids.length === 0 ? '' : ids.join('\0') + '\0', 'utf8');
}

export function decodeIds(blob: Buffer): string[] {
  if (blob.length === 0) return [];
  const text = blob.toString('utf8');
  if (!text.endsWith('\0')) throw new BlobSizeError('its sample ids do not end with a NUL byte');
  return text.slice(0, -1).split('\0');
}

/** The typed array's values as little-endian bytes (no copy on little-endian machines). */
export function numbersToBlob(values: Int32Array | Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.alloc(values.byteLength);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const float = values instanceof Float32Array;
  for (let i = 0; i < values.length; i++) {
    if (float) view.setFloat32(4 * i, values[i], true);
    else view.setInt32(4 * i, values[i], true);
  }
  return out;
}

export function int32FromBlob(blob: Buffer, count: number, what: string): Int32Array {
  return fromBlob(blob, count, what, new Int32Array(count), (view, o) => view.getInt32(o, true));
}

export function float32FromBlob(blob: Buffer, count: number, what: string): Float32Array {
  return fromBlob(blob, count, what, new Float32Array(count), (view, o) =>
    view.getFloat32(o, true),
  );
}

function fromBlob<T extends Int32Array | Float32Array>(
  blob: Buffer,
  count: number,
  what: string,
  out: T,
  read: (view: DataView, offset: number) => number,
): T {
  if (blob.byteLength !== count * 4) {
    throw new BlobSizeError(`its ${what} hold ${blob.byteLength} bytes, expected ${count * 4}`);
  }
  // A copy: the Buffer's offset need not be a multiple of 4, and it belongs to the driver.
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(blob);
  } else {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    for (let i = 0; i < count; i++) out[i] = read(view, 4 * i);
  }
  return out;
}
