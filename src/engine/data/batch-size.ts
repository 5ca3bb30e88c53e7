export function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batch size must be a positive integer, not ${batchSize}`);
  }
}

/** Input values (floats) per batch by backend: what keeps each backend busy without wasting memory. */
const VALUES_PER_BATCH: Record<string, number> = {
  tensorflow: 2 ** 23, // 32 MiB of float32: 32 images at 224×224×3
  wasm: 2 ** 22, // 16 images at 224×224×3: one thread, larger batches gain nothing
  cpu: 2 ** 21,
};

/**
 * The batch size for a model input of `sampleValues` values on `backend`: a power of two that keeps
 * one batch near the backend's budget, between 1 and 256 (256 for 28×28 images, 32 or 16 at 224×224).
 */
export function chooseBatchSize(sampleValues: number, backend?: string): number {
  const budget = VALUES_PER_BATCH[backend ?? ''] ?? VALUES_PER_BATCH.wasm;
  const fit = Math.max(1, Math.floor(budget / Math.max(1, sampleValues)));
  return Math.min(256, 2 ** Math.floor(Math.log2(fit)));
}
