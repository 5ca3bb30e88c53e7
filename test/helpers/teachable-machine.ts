import * as tf from '@tensorflow/tfjs';
import { saveLayersModel } from '../../src/engine/model/save-model';

/**
 * A model with the structure of a Teachable Machine image export: a Sequential of two models, a
 * MobileNetV2-like Functional base (Conv2D, BatchNormalization, ReLU6, DepthwiseConv2D, Add,
 * GlobalAveragePooling2D) and a nested Sequential head ending in Dense(softmax). Small input
 * (28×28×1) so that Fashion-MNIST IDX files are its test set. Saved as a TF.js Layers folder with
 * Teachable Machine's metadata.json (`tmVersion`, `labels`).
 */
export async function saveTeachableMachineModel(
  folder: string,
  labels: string[],
  seed = 11,
): Promise<tf.LayersModel> {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset });
  const input = tf.input({ shape: [28, 28, 1], name: 'image' });
  let h = tf.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: init(0),
      name: 'Conv1',
    })
    .apply(input) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'bn_Conv1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ maxValue: 6, name: 'Conv1_relu' }).apply(h) as tf.SymbolicTensor;
  let d = tf.layers
    .depthwiseConv2d({
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      depthwiseInitializer: init(1),
      name: 'expanded_conv_depthwise',
    })
    .apply(h) as tf.SymbolicTensor;
  d = tf.layers
    .batchNormalization({ name: 'expanded_conv_depthwise_BN' })
    .apply(d) as tf.SymbolicTensor;
  h = tf.layers.add({ name: 'block_add' }).apply([h, d]) as tf.SymbolicTensor;
  h = tf.layers
    .globalAveragePooling2d({ name: 'global_average_pooling2d' })
    .apply(h) as tf.SymbolicTensor;
  const base = tf.model({ inputs: input, outputs: h, name: 'model1' });
  const head = tf.sequential({
    name: 'sequential_3',
    layers: [
      tf.layers.dense({
        inputShape: [4],
        units: 8,
        activation: 'relu',
        kernelInitializer: init(2),
        name: 'dense_Dense1',
      }),
      tf.layers.dense({
        units: labels.length,
        activation: 'softmax',
        useBias: false,
        kernelInitializer: init(3),
        name: 'dense_Dense2',
      }),
    ],
  });
  const model = tf.sequential({ name: 'sequential_4', layers: [base, head] });
  // Moving statistics away from 0 / 1, so that a BatchNormalization update would be seen.
  for (const name of ['bn_Conv1', 'expanded_conv_depthwise_BN']) {
    const layer = base.getLayer(name);
    const weights = layer.getWeights().map((w, i) => tf.fill(w.shape, [1.1, 0.1, 0.2, 0.9][i]));
    layer.setWeights(weights);
    tf.dispose(weights);
  }
  await saveLayersModel(model, folder, {
    tfjsVersion: '1.3.1',
    tmVersion: '2.4.7',
    packageVersion: '0.8.4',
    packageName: '@teachablemachine/image',
    modelName: 'tm-my-image-model',
    timeStamp: '2026-12-07T07:00:00.000Z',
    labels,
    imageSize: 28,
  });
  return model;
}
