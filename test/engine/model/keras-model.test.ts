import { describe, expect, it } from 'vitest';
import { adaptKerasConfig, parseKerasConfig } from '../../../src/engine/model/keras-model';
import { InputError } from '../../../src/engine/input-error';

describe('adaptKerasConfig', () => {
  it("drops SeparableConv2D's kernel fields, in nested models too, and keeps the rest", () => {
    const separable = () => ({
      class_name: 'SeparableConv2D',
      config: {
        name: 's',
        filters: 4,
        kernel_initializer: {},
        kernel_regularizer: null,
        depthwise_initializer: {},
      },
    });
    const config = {
      class_name: 'Sequential',
      config: {
        layers: [separable(), { class_name: 'Functional', config: { layers: [separable()] } }],
      },
    };
    adaptKerasConfig(config);
    const text = JSON.stringify(config);
    expect(text).not.toContain('kernel_initializer');
    expect(text).not.toContain('kernel_regularizer');
    expect(text.match(/depthwise_initializer/g)).toHaveLength(2);
  });
});

describe('parseKerasConfig', () => {
  it('accepts Sequential and Functional models and names what it refuses', () => {
    expect(
      parseKerasConfig('m.keras', '{"class_name": "Functional", "config": {}}', 'config.json'),
    ).toMatchObject({
      class_name: 'Functional',
    });
    expect(() => parseKerasConfig('m.keras', '{"class_name": "MyNet"}', 'config.json')).toThrow(
      /'MyNet' model; only Sequential and Functional/,
    );
    expect(() => parseKerasConfig('m.keras', '{', 'config.json')).toThrow(InputError);
    expect(() => parseKerasConfig('m.keras', '[1]', 'config.json')).toThrow(
      /does not describe a Keras model/,
    );
  });
});
