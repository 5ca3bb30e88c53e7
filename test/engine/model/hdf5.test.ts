import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeHdf5Error, openHdf5 } from '../../../src/engine/model/hdf5';
import { MODEL_FIXTURES } from '../../helpers/model-fixtures';

describe('openHdf5', () => {
  it("reads a Keras .h5's attributes, groups and float datasets", async () => {
    const h5 = await openHdf5(path.join(MODEL_FIXTURES, 'tfkeras-cnn.h5'));
    try {
      expect(JSON.parse(h5.stringAttribute('', 'model_config')!).class_name).toBe('Functional');
      expect(h5.stringListAttribute('model_weights', 'layer_names')).toContain('sep');
      expect(h5.stringListAttribute('model_weights/c1', 'weight_names')).toEqual([
        'c1/kernel:0',
        'c1/bias:0',
      ]);
      expect(h5.stringListAttribute('model_weights/gap', 'weight_names')).toEqual([]);
      const kernel = h5.dataset('model_weights/c1/c1/kernel:0');
      expect(kernel?.shape).toEqual([3, 3, 1, 4]);
      expect(kernel?.values).toBeInstanceOf(Float32Array);
      expect(kernel?.values.length).toBe(36);
      expect(h5.dataset('model_weights/nope')).toBeNull();
      expect(h5.isGroup('model_weights')).toBe(true);
    } finally {
      h5.close();
    }
  });

  it('throws on a file that is not HDF5, in a few words', async () => {
    const error = await openHdf5(path.join(MODEL_FIXTURES, 'tabular.csv')).catch((e: unknown) => e);
    expect(describeHdf5Error(error)).toBe('Not an HDF5 file');
  });
});
