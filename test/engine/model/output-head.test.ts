import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/engine/backend';
import { loadModel } from '../../../src/engine/model/load-model';
import { exposeLogits, outputLayerOf } from '../../../src/engine/model/output-head';
import { tempDir } from '../../helpers/temp-dir';
import { saveTeachableMachineModel } from '../../helpers/teachable-machine';

const LABELS = [
  't-shirt',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'boot',
];
let folder: string;
let original: tf.LayersModel;

beforeAll(async () => {
  await selectBackend('cpu');
  folder = path.join(await tempDir(), 'tm');
  original = await saveTeachableMachineModel(folder, LABELS);
});

describe('exposeLogits', () => {
  it('follows the output into a nested Sequential head and makes its Dense linear', async () => {
    const json = JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8'));
    const topology = json.modelTopology as Record<string, unknown>;
    const outer = (topology.model_config ?? topology) as Parameters<typeof outputLayerOf>[0];
    expect(outputLayerOf(outer)?.class_name).toBe('Sequential');
    expect(exposeLogits(topology)).toEqual({ kind: 'softmax', units: 10 });
    const text = JSON.stringify(topology);
    expect(text).not.toContain('"activation":"softmax"');
    // The base's ReLU6 and the hidden Dense's relu are untouched.
    expect(text).toContain('"activation":"relu"');
    expect(text).toContain('"max_value":6');
  });

  it('reads a flat Keras 3 output_layers entry and a separate Softmax layer', () => {
    const topology = {
      class_name: 'Functional',
      config: {
        layers: [
          { class_name: 'Dense', config: { name: 'd', units: 3, activation: 'linear' } },
          { class_name: 'Softmax', config: { name: 's', axis: -1 } },
          { class_name: 'Dense', config: { name: 'other', units: 2, activation: 'relu' } },
        ],
        output_layers: ['s', 0, 0],
      },
    };
    expect(exposeLogits(topology).kind).toBe('softmax');
    expect(topology.config.layers[1]).toMatchObject({ class_name: 'Activation' });
  });
});

describe('a Teachable Machine image model (nested Sequential head)', () => {
  it('loads with true logits, its labels and probabilities equal to the saved model', async () => {
    const loaded = await loadModel(folder);
    try {
      expect(loaded.info.output).toBe('softmax');
      expect(loaded.info.classNames).toEqual(LABELS);
      expect(loaded.info.preprocessing).toEqual({ scaling: '-1-1', crop: 'center' });
      expect(loaded.trainable).toBeDefined();
      const n = 3;
      const x = Float32Array.from({ length: n * 784 }, (_, i) => Math.sin(i * 0.37));
      const expected = tf.tidy(() =>
        (original.predict(tf.tensor4d(x, [n, 28, 28, 1])) as tf.Tensor).dataSync(),
      );
      const scores = await loaded.predict(x, n);
      for (let i = 0; i < expected.length; i++) {
        expect(Math.abs(scores.probs[i] - expected[i])).toBeLessThan(1e-6);
      }
      // True logits: not probabilities, and their softmax is the model's output.
      const row = Array.from(scores.logits.slice(0, 10));
      expect(row.some((z) => z < 0)).toBe(true);
      const sum = row.reduce((s, z) => s + Math.exp(z), 0);
      expect(Math.exp(row[4]) / sum).toBeCloseTo(expected[4], 6);
    } finally {
      loaded.dispose();
    }
  });
});
