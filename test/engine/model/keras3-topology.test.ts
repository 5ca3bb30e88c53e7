import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/engine/backend';
import { loadModel } from '../../../src/engine/model/load-model';
import { saveLayersModel } from '../../../src/engine/model/save-model';
import { tempDir } from '../../helpers/temp-dir';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Rewrites a TF.js (Keras 2 style) functional topology the way Keras 3 writes it. */
function toKeras3(topology: Json): void {
  for (const layer of topology.config.layers as Json[]) {
    if (layer.config.batch_input_shape) {
      layer.config.batch_shape = layer.config.batch_input_shape;
      delete layer.config.batch_input_shape;
    }
    layer.config.dtype = {
      module: 'keras',
      class_name: 'DTypePolicy',
      config: { name: 'float32' },
    };
    layer.inbound_nodes = (layer.inbound_nodes as unknown[][][]).map((node) => ({
      args: node.map(([name, nodeIndex, tensorIndex]) => ({
        class_name: '__keras_tensor__',
        config: {
          shape: [null, 4],
          dtype: 'float32',
          keras_history: [name, nodeIndex, tensorIndex],
        },
      })),
      kwargs: {},
    }));
  }
  topology.config.input_layers = topology.config.input_layers[0];
  topology.config.output_layers = topology.config.output_layers[0];
}

let root: string;
beforeAll(async () => {
  await selectBackend('cpu');
  root = await tempDir();
});

describe('Keras 3 model JSON', () => {
  it('loads after normalisation, with the same predictions as the original', async () => {
    const input = tf.input({ shape: [4] });
    const hidden = tf.layers
      .dense({
        units: 6,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      })
      .apply(input) as tf.SymbolicTensor;
    const output = tf.layers
      .dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
      })
      .apply(hidden) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    const folder = path.join(root, 'keras3');
    await saveLayersModel(model, folder, {});
    const file = path.join(folder, 'model.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    toKeras3(json.modelTopology);
    await writeFile(file, JSON.stringify(json));
    // TF.js itself cannot read it.
    await expect(
      tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0].weights,
        }),
      ),
    ).rejects.toThrow();

    const loaded = await loadModel(folder);
    expect(loaded.info.output).toBe('softmax');
    const x = new Float32Array([0.3, -1, 2, 0.5]);
    const expected = (model.predict(tf.tensor2d(x, [1, 4])) as tf.Tensor).dataSync();
    const scores = await loaded.predict(x, 1);
    for (let c = 0; c < 3; c++) expect(scores.probs[c]).toBeCloseTo(expected[c], 6);
  });
});
