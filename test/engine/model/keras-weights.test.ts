import { describe, expect, it } from 'vitest';
import { kerasSnakeCase } from '../../../src/engine/model/keras-weights';

describe('kerasSnakeCase', () => {
  it("names classes as Keras 3's weights file does", () => {
    expect(kerasSnakeCase('Conv2D')).toBe('conv2d');
    expect(kerasSnakeCase('BatchNormalization')).toBe('batch_normalization');
    expect(kerasSnakeCase('GlobalAveragePooling2D')).toBe('global_average_pooling2d');
    expect(kerasSnakeCase('DepthwiseConv2D')).toBe('depthwise_conv2d');
    expect(kerasSnakeCase('ReLU')).toBe('re_lu');
    expect(kerasSnakeCase('LSTM')).toBe('lstm');
    expect(kerasSnakeCase('InputLayer')).toBe('input_layer');
  });
});
