import { describe, expect, it } from 'vitest';
import { checkBatchSize, chooseBatchSize } from '../../../src/engine/data/batch-size.js';

describe('chooseBatchSize', () => {
  it('picks batches by input size and backend', () => {
    expect(chooseBatchSize(28 * 28, 'wasm')).toBe(256);
    expect(chooseBatchSize(224 * 224 * 3, 'tensorflow')).toBe(32);
    expect(chooseBatchSize(224 * 224 * 3, 'wasm')).toBe(16);
    expect(chooseBatchSize(224 * 224 * 3, 'cpu')).toBe(8);
    expect(chooseBatchSize(224 * 224 * 3)).toBe(16);
    expect(chooseBatchSize(4096 * 4096 * 3, 'tensorflow')).toBe(1);
  });

  it('always gives a valid batch size', () => {
    for (const size of [1, 3, 100, 784, 150528, 1e9]) {
      expect(() => checkBatchSize(chooseBatchSize(size, 'tensorflow'))).not.toThrow();
    }
  });
});
