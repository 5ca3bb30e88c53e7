import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveLayersModel } from '../../src/engine/model/save-model';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Saves a small functional model (4 features → 6 relu → 3 softmax) and rewrites its JSON the way
 * Keras 3 writes it (batch_shape, dtype policies, {args, kwargs} inbound nodes, flat input/output
 * layers), which TF.js Layers cannot read as it is. Returns the model for comparisons; the caller
 * disposes it.
 */
export async function saveKeras3Model(
  folder: string,
  metadata: Record<string, unknown> = {},
): Promise<tf.LayersModel> {
  const input = tf.input({ shape: [4] });
  const dense = (units: number, activation: 'relu' | 'softmax', seed: number) =>
    tf.layers.dense({
      units,
      activation,
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    });
  const hidden = dense(6, 'relu', 3).apply(input) as tf.SymbolicTensor;
  const output = dense(3, 'softmax', 4).apply(hidden) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  await saveLayersModel(model, folder, metadata);
  const file = path.join(folder, 'model.json');
  const json = JSON.parse(await readFile(file, 'utf8')) as Json;
  const topology = json.modelTopology.model_config ?? json.modelTopology;
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
  await writeFile(file, JSON.stringify(json));
  return model;
}
